/*
 * How the child ended, passed on: one exit-journal line (the format of systemd's ExecStopPost hook in
 * agent/adapters/systemd/unit-render.ts: "<epoch s.ns> <service> <result> <how> <status>"), and the
 * launcher's own end — the child's exit code, or death by the child's signal.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "launch.h"

static const char *signal_name(int sig, char *buf, size_t len) {
  static const struct {
    int sig;
    const char *name;
  } names[] = {
      {SIGHUP, "HUP"},   {SIGINT, "INT"},   {SIGQUIT, "QUIT"}, {SIGILL, "ILL"},   {SIGTRAP, "TRAP"},
      {SIGABRT, "ABRT"}, {SIGBUS, "BUS"},   {SIGFPE, "FPE"},   {SIGKILL, "KILL"}, {SIGUSR1, "USR1"},
      {SIGSEGV, "SEGV"}, {SIGUSR2, "USR2"}, {SIGPIPE, "PIPE"}, {SIGALRM, "ALRM"}, {SIGTERM, "TERM"},
      {SIGXCPU, "XCPU"}, {SIGXFSZ, "XFSZ"}, {SIGVTALRM, "VTALRM"}, {SIGPROF, "PROF"}, {SIGSYS, "SYS"},
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (names[i].sig == sig) return names[i].name;
  snprintf(buf, len, "%d", sig);
  return buf;
}

/* One line in the exit journal, in the format of systemd's ExecStopPost hook. */
int write_exit_record(const char *file, const char *service, int status, const char *extra) {
  char line[512];
  char num[16];
  char sig_buf[16];
  const char *result;
  const char *how;
  const char *what;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  if (WIFEXITED(status)) {
    int code = WEXITSTATUS(status);
    snprintf(num, sizeof num, "%d", code);
    result = code == 0 ? "success" : "exit-code";
    how = "exited";
    what = num;
  } else {
    int sig = WTERMSIG(status);
    what = signal_name(sig, sig_buf, sizeof sig_buf);
    how = "killed";
    /* systemd counts these as a clean exit of a daemon */
    result = (sig == SIGHUP || sig == SIGINT || sig == SIGTERM || sig == SIGPIPE) ? "success" : "signal";
    /* killed by the launcher's own stop timeout: what systemd reports as Result=timeout */
    if (sig == SIGKILL && g_stop_timed_out) result = "timeout";
#ifdef WCOREDUMP
    if (WCOREDUMP(status)) {
      how = "dumped";
      result = "core-dump";
    }
#endif
  }
  /* The launcher's own fields follow the status (runend.c). */
  char what_extra[400];
  snprintf(what_extra, sizeof what_extra, "%s%s", what, extra);
  what = what_extra;
  int n = snprintf(line, sizeof line, "%lld.%09ld %s %s %s %s\n", (long long)ts.tv_sec, (long)ts.tv_nsec, service,
                   result, how, what);
  if (n <= 0 || n >= (int)sizeof line) {
    diag("exit record for %s too long", service);
    return -1;
  }
  return journal_record(file, line); /* kept until there is space when the disk is full; says so on stderr */
}

/* Ends the launcher the way the child ended. */
void exit_like(int status) {
  if (WIFEXITED(status)) exit(WEXITSTATUS(status));
  int sig = WTERMSIG(status);
  struct rlimit no_core = {0, 0};
  sigset_t set;
  setrlimit(RLIMIT_CORE, &no_core); /* the launcher's own core would be useless */
  signal(sig, SIG_DFL);
  sigemptyset(&set);
  sigaddset(&set, sig);
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  kill(getpid(), sig);
  exit(128 + sig);
}
