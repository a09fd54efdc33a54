/*
 * vigil-launch: sits between the OS service manager (systemd, launchd) and a service.
 *
 *   vigil-launch [--service NAME] [--log FILE [--max-bytes N] [--keep K]] [--env-file FILE]...
 *                [--exits FILE] [--stop-timeout SEC] -- PROGRAM [ARG...]
 *   vigil-launch --exit-hook JOURNAL SERVICE     (systemd's ExecStopPost=: one exit record)
 *   vigil-launch --exit-flush JOURNAL            (records kept on a full disk, into the journal)
 *
 * - The child's stdout and stderr go through one pipe owned by the launcher and are appended to FILE,
 *   rotated by size without losing or duplicating a line (logfile.c). Bytes are the child's bytes (a
 *   last line without its newline gets one when the child ends).
 * - --wait-for: waits until each healthy dependency's probe passes before starting anything (waitdep.c).
 * - --env-file: KEY=value files loaded into the child's environment, refused when unsafe (envfile.c).
 * - Forwards SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 to the child's process group (the child
 *   leads a group of its own, so a wrapper script's children get a stop signal too, exactly once).
 * - --stop-timeout SEC: SEC seconds after the first SIGTERM, SIGKILL to the child's process group, and the
 *   exit record says "timeout" (stoptimer.c; launchd's ExitTimeOut would kill the launcher alone).
 * - When the child ends: drains the pipe, appends an exit record to --exits FILE
 *   ("<epoch s.ns> <service> <result> <how> <status>", as systemd's ExecStopPost hook writes it, with the
 *   launcher's fields, runend.c), then exits with the child's code, or dies of the child's signal, so the
 *   service manager sees the cause. Under systemd the record also carries run=INVOCATION_ID: it is written
 *   the moment the child is reaped (the agent wakes on it), and the ExecStopPost= hook, which runs only
 *   after systemd saw the launcher end, writes no second record of that run (exitpend.c); it still writes
 *   the record when the launcher could not (killed itself, never ran), and an amending one when systemd
 *   knows more (Result=oom-kill, timeout, watchdog…).
 * - --end-file FILE (systemd): where the output ended and whether the program could be executed, left
 *   for the ExecStopPost= hook to add to the exit record it writes when the launcher wrote none
 *   (runend.c).
 * - execvp failure: a message in the log and on stderr, exit 127. Under systemd (Type=notify) READY=1 is
 *   sent only once the program was executed, so a start job fails when the program cannot run.
 *
 * Exit statuses of its own: 64 usage, 71 OS error, 73 log file cannot be opened, 75 a dependency was not
 * healthy in time, 78 env file, log file or exit journal refused as unsafe (private.c), 127 program cannot
 * be executed.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launch.h"

/* After the child exited, at most this much is still read from the pipe (a grandchild may hold it). */
#define MAX_DRAIN_BYTES (64LL * 1024 * 1024)

const char *g_service = NULL;

static const int FORWARDED[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
#define N_FORWARDED ((int)(sizeof FORWARDED / sizeof FORWARDED[0]))

static int g_sigpipe[2] = {-1, -1};

void diag(const char *fmt, ...) {
  char msg[1024];
  char line[1280];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  int n = g_service != NULL ? snprintf(line, sizeof line, "vigil-launch[%s]: %s\n", g_service, msg)
                            : snprintf(line, sizeof line, "vigil-launch: %s\n", msg);
  if (n < 0) return;
  if ((size_t)n >= sizeof line) n = (int)sizeof line - 1;
  ssize_t w = write(STDERR_FILENO, line, (size_t)n);
  (void)w;
}

static void on_signal(int sig) {
  int saved = errno;
  unsigned char b = (unsigned char)sig;
  ssize_t w = write(g_sigpipe[1], &b, 1);
  (void)w;
  errno = saved;
}

static void set_flags(int fd, int fd_flags, int fl_flags) {
  if (fd_flags) fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | fd_flags);
  if (fl_flags) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | fl_flags);
}

/* Tells systemd (Type=notify) that the program was executed; nothing without NOTIFY_SOCKET. */
static void notify_ready(void) {
  const char *p = getenv("NOTIFY_SOCKET");
  struct sockaddr_un sa;
  size_t n = p != NULL ? strlen(p) : 0;
  if (n == 0 || n >= sizeof sa.sun_path || (p[0] != '/' && p[0] != '@')) return;
  memset(&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  memcpy(sa.sun_path, p, n);
  if (p[0] == '@') sa.sun_path[0] = '\0'; /* Linux abstract socket */
  int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
  if (fd < 0) return;
  if (sendto(fd, "READY=1", 7, 0, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) < 0)
    diag("cannot notify the service manager: %s", strerror(errno));
  close(fd);
}

static void load_env_files(const struct options *o, struct logfile *lf) {
  char why[1024];
  for (int i = 0; i < o->n_env; i++) {
    if (envfile_load(o->env_files[i], why, sizeof why) == 0) continue;
    diag("%s", why);
    if (lf != NULL) {
      char note[1200];
      snprintf(note, sizeof note, "vigil-launch: %s\n", why);
      logfile_note(lf, note);
      logfile_close(lf);
    }
    exit(EXIT_CONFIG);
  }
}

static void child(const struct options *o, int log_w, int err_w, const sigset_t *mask) {
  for (int i = 0; i < N_FORWARDED; i++) signal(FORWARDED[i], SIG_DFL);
  signal(SIGCHLD, SIG_DFL);
  signal(SIGPIPE, SIG_DFL);
  setpgid(0, 0);
  sigprocmask(SIG_SETMASK, mask, NULL);
  if (log_w >= 0) {
    dup2(log_w, STDOUT_FILENO);
    dup2(log_w, STDERR_FILENO);
    if (log_w > STDERR_FILENO) close(log_w);
  }
  unsetenv("NOTIFY_SOCKET");
  execvp(o->argv[0], o->argv);
  int e = errno;
  diag("cannot execute %s: %s", o->argv[0], strerror(e));
  ssize_t w = write(err_w, &e, sizeof e);
  (void)w;
  _exit(EXIT_NOEXEC);
}

/* Reads what the pipe holds now, without waiting for writers that outlive the child. */
static void drain(int fd, struct logfile *lf, char *buf, size_t len) {
  long long total = 0;
  set_flags(fd, 0, O_NONBLOCK);
  while (total < MAX_DRAIN_BYTES) {
    ssize_t r = read(fd, buf, len);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    logfile_feed(lf, buf, (size_t)r);
    total += r;
  }
}

/*
 * Whether systemd's INVOCATION_ID can go in an exit record as its run=ID field (32 hex digits from systemd;
 * anything with a space or a line break in it could not).
 */
static int run_id_ok(const char *id) {
  if (id == NULL || *id == '\0' || strlen(id) > 64) return 0;
  for (const char *p = id; *p != '\0'; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F') || *p == '-')) return 0;
  return 1;
}

/* The stop timeout passed: SIGKILL to the child's process group, said in the log and on stderr. */
static void kill_on_stop_timeout(const struct options *o, struct logfile *lf, pid_t pid) {
  diag("still running %d s after SIGTERM (stop timeout): sending SIGKILL", o->stop_timeout);
  if (lf != NULL) {
    char note[200];
    snprintf(note, sizeof note, "vigil-launch: still running %d s after SIGTERM (stop timeout): sending SIGKILL\n",
             o->stop_timeout);
    logfile_note(lf, note);
  }
  /* the group, and the child itself should it have left the group (setsid) */
  kill(-pid, SIGKILL);
  kill(pid, SIGKILL);
}

int main(int argc, char **argv) {
  /* The exit hook modes (exitpend.c) share the binary: systemd's ExecStopPost= runs them. */
  if (argc >= 2 && strncmp(argv[1], "--exit-", 7) == 0) return exit_hook_main(argc, argv);
  struct options o;
  memset(&o, 0, sizeof o);
  parse_options(argc, argv, &o);
  if (o.service == NULL) {
    const char *slash = strrchr(o.argv[0], '/');
    o.service = slash != NULL ? slash + 1 : o.argv[0];
  }
  g_service = o.service;
  /* Read before the env files: systemd's id of this run, which its exit hook checks the end file against. */
  const char *inv_env = getenv("INVOCATION_ID");
  const char *invocation = inv_env != NULL ? strdup(inv_env) : NULL;
  signal(SIGPIPE, SIG_IGN);
  /* Started with fd 0, 1 or 2 closed, a pipe could land there and be lost in the child's dup2s. */
  for (int fd = 0; fd <= STDERR_FILENO; fd++)
    if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) < 0) return EXIT_OSERR;

  struct logfile *lf = NULL;
  if (o.log != NULL) {
    char why[1024];
    int refused;
    lf = logfile_open(o.log, o.max_bytes, o.keep, why, sizeof why, &refused);
    if (lf == NULL) {
      if (!refused) {
        diag("cannot open the log file %s: %s", o.log, strerror(errno));
        return EXIT_CANTCREAT;
      }
      diag("%s; %s not started (exit %d)", why, o.service, EXIT_CONFIG);
      return EXIT_CONFIG;
    }
  }
  /* Before the env files: a dependency's exec probe gets none of this service's credentials. */
  wait_for_dependencies(&o, lf);
  load_env_files(&o, lf);

  int log_pipe[2] = {-1, -1};
  int err_pipe[2];
  if ((lf != NULL && pipe(log_pipe) != 0) || pipe(err_pipe) != 0 || pipe(g_sigpipe) != 0) {
    diag("cannot create a pipe: %s", strerror(errno));
    return EXIT_OSERR;
  }
  if (lf != NULL) set_flags(log_pipe[0], FD_CLOEXEC, 0);
  set_flags(err_pipe[0], FD_CLOEXEC, 0);
  set_flags(err_pipe[1], FD_CLOEXEC, 0);
  set_flags(g_sigpipe[0], FD_CLOEXEC, O_NONBLOCK);
  set_flags(g_sigpipe[1], FD_CLOEXEC, O_NONBLOCK);

  sigset_t handled, old_mask;
  sigemptyset(&handled);
  for (int i = 0; i < N_FORWARDED; i++) sigaddset(&handled, FORWARDED[i]);
  sigaddset(&handled, SIGCHLD);
  sigprocmask(SIG_BLOCK, &handled, &old_mask);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (int i = 0; i < N_FORWARDED; i++) sigaction(FORWARDED[i], &sa, NULL);
  sa.sa_flags = SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, NULL);

  pid_t pid = fork();
  if (pid < 0) {
    diag("cannot fork: %s", strerror(errno));
    return EXIT_OSERR;
  }
  if (pid == 0) child(&o, log_pipe[1], err_pipe[1], &old_mask);
  setpgid(pid, pid); /* also done by the child: whichever runs first */
  if (lf != NULL) close(log_pipe[1]);
  close(err_pipe[1]);
  sigprocmask(SIG_SETMASK, &old_mask, NULL);

  int exec_errno = 0;
  ssize_t got;
  do got = read(err_pipe[0], &exec_errno, sizeof exec_errno);
  while (got < 0 && errno == EINTR);
  close(err_pipe[0]);
  if (got == (ssize_t)sizeof exec_errno) {
    if (lf != NULL) diag("cannot execute %s: %s", o.argv[0], strerror(exec_errno));
  } else {
    notify_ready();
  }

  static char buf[64 * 1024];
  int child_done = 0;
  int status = 0;
  int log_open = lf != NULL;
  while (!child_done) {
    struct pollfd fds[2];
    fds[0].fd = g_sigpipe[0];
    fds[0].events = POLLIN;
    fds[1].fd = log_open ? log_pipe[0] : -1;
    fds[1].events = POLLIN;
    int r = poll(fds, 2, stop_timer_wait_ms(lf != NULL && logfile_has_partial(lf) ? 100 : -1));
    if (stop_timer_expired()) kill_on_stop_timeout(&o, lf, pid);
    if (r < 0) {
      if (errno != EINTR) diag("poll: %s", strerror(errno));
      continue;
    }
    if (r == 0) {
      if (lf != NULL && logfile_has_partial(lf)) logfile_flush_partial(lf);
      continue;
    }
    if (fds[0].revents != 0) {
      unsigned char sigs[64];
      ssize_t n = read(g_sigpipe[0], sigs, sizeof sigs);
      for (ssize_t i = 0; i < n; i++) {
        int sig = sigs[i];
        if (sig != SIGCHLD) {
          if (kill(-pid, sig) != 0) kill(pid, sig);
          if (sig == SIGTERM) stop_timer_arm(o.stop_timeout);
          continue;
        }
        int st;
        pid_t w;
        /* Reap every child (as PID 1 in a container, orphans are ours too); remember ours. */
        while ((w = waitpid(-1, &st, WNOHANG)) > 0)
          if (w == pid) child_done = 1, status = st;
      }
    }
    if (log_open && fds[1].revents != 0) {
      ssize_t n = read(log_pipe[0], buf, sizeof buf);
      if (n > 0)
        logfile_feed(lf, buf, (size_t)n);
      else if (n == 0 || (errno != EINTR && errno != EAGAIN))
        log_open = 0; /* every writer closed it; the child may still run */
    }
  }
  if (log_open) drain(log_pipe[0], lf, buf, sizeof buf);
  struct log_end end;
  char fields[256];
  logfile_end(lf, &end);
  logfile_close(lf);
  run_end_fields(fields, sizeof fields, &end, got == (ssize_t)sizeof exec_errno ? exec_errno : 0);
  /* The record first, the moment the child is reaped: the agent wakes on it (no wait for the manager). */
  if (o.exits != NULL) {
    char with_run[sizeof fields + 80];
    snprintf(with_run, sizeof with_run, "%s%s%s", fields, run_id_ok(invocation) ? " run=" : "",
             run_id_ok(invocation) ? invocation : "");
    write_exit_record(o.exits, o.service, status, with_run);
  }
  if (o.end_file != NULL) write_end_file(o.end_file, invocation, fields);
  exit_like(status);
  return EXIT_OSERR;
}
