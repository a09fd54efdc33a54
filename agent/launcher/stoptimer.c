/*
 * The stop timeout (--stop-timeout N): N seconds after the first SIGTERM the launcher forwarded, the
 * child's whole process group gets SIGKILL. launchd's ExitTimeOut kills only the launcher (the service
 * leads a process group of its own and would live on), so the launcher escalates itself, and the exit
 * record then says "timeout" (as systemd's Result=timeout does) rather than an ordinary signal death.
 */
#define _POSIX_C_SOURCE 200809L

#include <time.h>

#include "launch.h"

int g_stop_timed_out = 0;

static long long g_deadline_ms = -1;

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void stop_timer_arm(int timeout_sec) {
  if (timeout_sec <= 0 || g_deadline_ms >= 0) return; /* a second SIGTERM does not move the deadline */
  g_deadline_ms = now_ms() + (long long)timeout_sec * 1000;
}

int stop_timer_wait_ms(int other_ms) {
  if (g_deadline_ms < 0 || g_stop_timed_out) return other_ms;
  long long left = g_deadline_ms - now_ms();
  if (left < 0) left = 0;
  if (other_ms >= 0 && other_ms < left) return other_ms;
  return left > 0x7fffffff ? 0x7fffffff : (int)left;
}

int stop_timer_expired(void) {
  if (g_deadline_ms < 0 || g_stop_timed_out || now_ms() < g_deadline_ms) return 0;
  g_stop_timed_out = 1;
  return 1;
}
