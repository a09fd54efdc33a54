/*
 * --wait-for: before the program is started, wait until each `healthy` dependency's probe passes.
 *
 *   --wait-for NAME=http:URL          GET URL (plain http) answers 2xx
 *   --wait-for NAME=tcp:HOST:PORT     a TCP connect succeeds ([v6-address]:PORT for IPv6)
 *   --wait-for NAME=exec:ARG0,ARG1..  the program (absolute path, no shell) exits 0; each argument is
 *                                     percent-encoded for "%" and "," (%25, %2C)
 *   --wait-for NAME=execin:DIR,ARG0.. the same, run in the directory DIR (the dependency's cwd)
 *   --wait-timeout SEC                the whole wait's bound (default 60)
 *   --wait-attempt-ms MS              each try's bound (default 2000)
 *
 * This is what makes `dependsOn: { redis: healthy }` hold when the OS starts units at boot or login,
 * without the agent, and again when systemd restarts the dependent after its dependency restarted. The
 * service log says what is awaited, and how it ended; under systemd the unit's status text (STATUS=) says
 * it too while it lasts. Dependencies are awaited in order, tried every POLL_MS until the deadline (the
 * last try may run up to --wait-attempt-ms past it); a wait that runs out exits EXIT_DEPTIMEOUT (75)
 * without starting the program.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
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
#include <time.h>
#include <unistd.h>

#include "launch.h"

#define POLL_MS 250
#define MAX_EXEC_ARGS 64

enum kind { K_HTTP, K_TCP, K_EXEC };

struct target {
  char name[64];
  enum kind kind;
  char host[256];
  char port[8];
  char path[1024]; /* http: the request target */
  char *argv[MAX_EXEC_ARGS + 1];
  char *cwd; /* execin: the first item */
  char what[1100]; /* for people: "tcp 127.0.0.1:6379", the URL, "exec /usr/bin/redis-cli ping" */
};

/* The exec probe running now, so that a stop signal during the wait does not leave it behind. */
static volatile pid_t g_probe = 0;

static void on_stop_while_waiting(int sig) {
  if (g_probe > 0) kill(-g_probe, SIGKILL);
  signal(sig, SIG_DFL);
  raise(sig);
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long long ms) {
  struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

/* "HOST:PORT" or "[V6]:PORT" into host and port; -1 when it is neither. */
static int split_host_port(const char *s, size_t len, struct target *t) {
  const char *colon;
  const char *host = s;
  size_t host_len;
  if (len > 0 && s[0] == '[') {
    const char *close = memchr(s, ']', len);
    if (close == NULL || close + 1 >= s + len || close[1] != ':') return -1;
    host = s + 1;
    host_len = (size_t)(close - host);
    colon = close + 1;
  } else {
    colon = NULL;
    for (size_t i = 0; i < len; i++)
      if (s[i] == ':') colon = s + i;
    if (colon == NULL) return -1;
    host_len = (size_t)(colon - s);
  }
  size_t port_len = (size_t)(s + len - colon - 1);
  if (host_len == 0 || host_len >= sizeof t->host || port_len == 0 || port_len >= sizeof t->port) return -1;
  for (size_t i = 0; i < port_len; i++)
    if (colon[1 + i] < '0' || colon[1 + i] > '9') return -1;
  memcpy(t->host, host, host_len);
  t->host[host_len] = '\0';
  memcpy(t->port, colon + 1, port_len);
  t->port[port_len] = '\0';
  long port = strtol(t->port, NULL, 10);
  return port >= 1 && port <= 65535 ? 0 : -1;
}

static int parse_http(const char *url, struct target *t) {
  const char *p = url + strlen("http://");
  if (strncmp(url, "http://", 7) != 0) return -1;
  size_t auth_len = strcspn(p, "/?#");
  const char *rest = p + auth_len;
  if (memchr(p, '@', auth_len) != NULL) return -1; /* no credentials in a probe URL */
  int has_port = 0;
  if (auth_len > 0 && p[0] == '[') {
    const char *close = memchr(p, ']', auth_len);
    has_port = close != NULL && close + 1 < p + auth_len;
  } else {
    has_port = memchr(p, ':', auth_len) != NULL;
  }
  if (has_port) {
    if (split_host_port(p, auth_len, t) != 0) return -1;
  } else {
    size_t host_len = auth_len;
    if (host_len > 1 && p[0] == '[' && p[host_len - 1] == ']') p++, host_len -= 2;
    if (host_len == 0 || host_len >= sizeof t->host) return -1;
    memcpy(t->host, p, host_len);
    t->host[host_len] = '\0';
    strcpy(t->port, "80");
  }
  size_t path_len = strcspn(rest, "#");
  if (path_len + 2 > sizeof t->path) return -1;
  if (path_len == 0 || rest[0] != '/') {
    t->path[0] = '/';
    memcpy(t->path + 1, rest, path_len);
    t->path[path_len + 1] = '\0';
  } else {
    memcpy(t->path, rest, path_len);
    t->path[path_len] = '\0';
  }
  for (const char *c = t->path; *c; c++)
    if ((unsigned char)*c <= ' ' || *c == 0x7f) return -1;
  snprintf(t->what, sizeof t->what, "%s", url);
  return 0;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/*
 * Comma-separated, percent-encoded argv (after the directory, `with_cwd`). The strings are allocated and
 * freed by free_target.
 */
static int parse_exec(const char *list, int with_cwd, struct target *t) {
  int n = 0;
  const char *p = list;
  size_t used = 0;
  used += (size_t)snprintf(t->what, sizeof t->what, "exec");
  for (;;) {
    size_t len = strcspn(p, ",");
    if (n == MAX_EXEC_ARGS) return -1;
    char *arg = malloc(len + 1);
    if (arg == NULL) return -1;
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
      if (p[i] == '%') {
        int hi = i + 2 < len ? hexval(p[i + 1]) : -1;
        int lo = hi >= 0 ? hexval(p[i + 2]) : -1;
        if (lo < 0) {
          free(arg);
          return -1;
        }
        arg[k++] = (char)(hi * 16 + lo);
        i += 2;
      } else {
        arg[k++] = p[i];
      }
    }
    arg[k] = '\0';
    if (with_cwd && t->cwd == NULL) {
      t->cwd = arg;
    } else {
      t->argv[n++] = arg;
      if (used < sizeof t->what) used += (size_t)snprintf(t->what + used, sizeof t->what - used, " %s", arg);
    }
    if (p[len] == '\0') break;
    p += len + 1;
  }
  t->argv[n] = NULL;
  if (with_cwd && (t->cwd == NULL || t->cwd[0] != '/')) return -1;
  return n > 0 && t->argv[0][0] == '/' ? 0 : -1;
}

static void free_target(struct target *t) {
  for (int i = 0; t->argv[i] != NULL; i++) free(t->argv[i]);
  free(t->cwd);
  t->argv[0] = NULL;
  t->cwd = NULL;
}

/* Parses one --wait-for value; on a problem, `why` says what is wrong and -1 is returned. */
static int parse_target(const char *spec, struct target *t, char *why, size_t why_len) {
  memset(t, 0, sizeof *t);
  const char *eq = strchr(spec, '=');
  size_t name_len = eq != NULL ? (size_t)(eq - spec) : 0;
  if (name_len == 0 || name_len >= sizeof t->name) {
    snprintf(why, why_len, "--wait-for takes NAME=http:URL, NAME=tcp:HOST:PORT or NAME=exec:ARGV, not \"%s\"", spec);
    return -1;
  }
  memcpy(t->name, spec, name_len);
  const char *v = eq + 1;
  int bad;
  if (strncmp(v, "http:", 5) == 0) {
    t->kind = K_HTTP;
    bad = parse_http(v + 5, t);
  } else if (strncmp(v, "tcp:", 4) == 0) {
    t->kind = K_TCP;
    bad = split_host_port(v + 4, strlen(v + 4), t);
    if (!bad) snprintf(t->what, sizeof t->what, "tcp %s", v + 4);
  } else if (strncmp(v, "exec:", 5) == 0) {
    t->kind = K_EXEC;
    bad = parse_exec(v + 5, 0, t);
  } else if (strncmp(v, "execin:", 7) == 0) {
    t->kind = K_EXEC;
    bad = parse_exec(v + 7, 1, t);
  } else {
    bad = -1;
  }
  if (bad) {
    snprintf(why, why_len,
             "--wait-for %s: expected http:http://HOST[:PORT]/PATH, tcp:HOST:PORT, exec:/ABSOLUTE/PROGRAM[,ARG...] or execin:/DIR,/ABSOLUTE/PROGRAM[,ARG...], not \"%s\"",
             t->name, v);
    return -1;
  }
  return 0;
}

int waitdep_check(const char *spec, char *why, size_t why_len) {
  struct target t;
  int r = parse_target(spec, &t, why, why_len);
  free_target(&t);
  return r;
}

/* A connected socket to host:port within the deadline, or -1 with `err` set to the last errno. */
static int connect_by(const struct target *t, long long deadline, int *err) {
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  int g = getaddrinfo(t->host, t->port, &hints, &res);
  if (g != 0) {
    *err = g == EAI_SYSTEM ? errno : EHOSTUNREACH;
    return -1;
  }
  int fd = -1;
  *err = ECONNREFUSED;
  for (struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) {
      *err = errno;
      continue;
    }
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    int r = connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (r != 0 && errno == EINPROGRESS) {
      struct pollfd pfd = {fd, POLLOUT, 0};
      long long left = deadline - now_ms();
      int pr = left > 0 ? poll(&pfd, 1, (int)left) : 0;
      int so = 0;
      socklen_t sl = sizeof so;
      if (pr <= 0)
        so = ETIMEDOUT;
      else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &sl) != 0)
        so = errno;
      r = so == 0 ? 0 : -1;
      errno = so;
    }
    if (r != 0) {
      *err = errno;
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(res);
  return fd;
}

/* 1 when the probe passed; else 0 with `why` saying what it got. */
static int probe_http(const struct target *t, long long deadline, char *why, size_t why_len) {
  int err;
  int fd = connect_by(t, deadline, &err);
  if (fd < 0) {
    snprintf(why, why_len, "%s", strerror(err));
    return 0;
  }
  char req[1500];
  int n = snprintf(req, sizeof req,
                   "GET %s HTTP/1.0\r\nHost: %s:%s\r\nUser-Agent: vigil-launch\r\nAccept: */*\r\nConnection: close\r\n\r\n",
                   t->path, t->host, t->port);
  char resp[64];
  size_t got = 0;
  int ok = 0;
  if (n > 0 && (size_t)n < sizeof req && send(fd, req, (size_t)n, 0) == n) {
    while (got < sizeof resp - 1 && memchr(resp, '\n', got) == NULL) {
      struct pollfd pfd = {fd, POLLIN, 0};
      long long left = deadline - now_ms();
      if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) break;
      ssize_t r = recv(fd, resp + got, sizeof resp - 1 - got, 0);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      got += (size_t)r;
    }
    resp[got] = '\0';
    /* "HTTP/1.1 204 No Content" */
    if (got >= 12 && strncmp(resp, "HTTP/", 5) == 0) {
      const char *sp = strchr(resp, ' ');
      ok = sp != NULL && sp[1] == '2' && sp[2] >= '0' && sp[2] <= '9' && sp[3] >= '0' && sp[3] <= '9';
      size_t line = strcspn(resp, "\r\n");
      snprintf(why, why_len, "answered \"%.*s\"", (int)line, resp);
    } else {
      snprintf(why, why_len, got == 0 ? "no answer in time" : "not an HTTP answer");
    }
  } else {
    snprintf(why, why_len, "cannot send the request: %s", strerror(errno));
  }
  close(fd);
  return ok;
}

static int probe_tcp(const struct target *t, long long deadline, char *why, size_t why_len) {
  int err;
  int fd = connect_by(t, deadline, &err);
  if (fd < 0) {
    snprintf(why, why_len, "%s", strerror(err));
    return 0;
  }
  close(fd);
  return 1;
}

static int probe_exec(const struct target *t, long long deadline, char *why, size_t why_len) {
  pid_t pid = fork();
  if (pid < 0) {
    snprintf(why, why_len, "cannot fork: %s", strerror(errno));
    return 0;
  }
  if (pid == 0) {
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
      dup2(null, STDIN_FILENO);
      dup2(null, STDOUT_FILENO);
      dup2(null, STDERR_FILENO);
    }
    setpgid(0, 0); /* its own group, so a timeout kills whatever it started too */
    if (t->cwd != NULL && chdir(t->cwd) != 0) _exit(EXIT_NOEXEC);
    execv(t->argv[0], t->argv);
    _exit(EXIT_NOEXEC);
  }
  setpgid(pid, pid);
  g_probe = pid;
  int status = 0;
  for (;;) {
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) {
      g_probe = 0;
      snprintf(why, why_len, "waitpid: %s", strerror(errno));
      return 0;
    }
    if (now_ms() >= deadline) {
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      g_probe = 0;
      snprintf(why, why_len, "did not exit in time");
      return 0;
    }
    sleep_ms(10);
  }
  g_probe = 0;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 1;
  if (WIFEXITED(status))
    snprintf(why, why_len, WEXITSTATUS(status) == EXIT_NOEXEC ? "exit 127 (cannot be executed, or no such directory?)" : "exit %d",
             WEXITSTATUS(status));
  else
    snprintf(why, why_len, "killed by signal %d", WTERMSIG(status));
  return 0;
}

/* Sends one message to systemd's notify socket (Type=notify); nothing without NOTIFY_SOCKET. */
static void notify(const char *msg) {
  const char *p = getenv("NOTIFY_SOCKET");
  struct sockaddr_un sa;
  size_t n = p != NULL ? strlen(p) : 0;
  if (n == 0 || n >= sizeof sa.sun_path || (p[0] != '/' && p[0] != '@')) return;
  memset(&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  memcpy(sa.sun_path, p, n);
  if (p[0] == '@') sa.sun_path[0] = '\0';
  int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
  if (fd < 0) return;
  if (sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) < 0)
    diag("cannot notify the service manager: %s", strerror(errno));
  close(fd);
}

/* A line in the service log and on stderr (the launcher log). */
static void say(struct logfile *lf, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void say(struct logfile *lf, const char *fmt, ...) {
  char msg[1400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  diag("%s", msg);
  if (lf != NULL) {
    char line[1500];
    snprintf(line, sizeof line, "vigil-launch: %s\n", msg);
    logfile_note(lf, line);
  }
}

/* A real wait status for "exited with `code`", so the exit record reads exactly as a child's would. */
static int exited_status(int code) {
  pid_t pid = fork();
  if (pid == 0) _exit(code);
  int status = 0;
  if (pid < 0) return 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

void wait_for_dependencies(const struct options *o, struct logfile *lf) {
  if (o->n_waits == 0) return;
  /* Stopped while waiting: the launcher ends of the signal as before, and takes a running probe with it. */
  static const int STOPS[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT};
  for (size_t i = 0; i < sizeof STOPS / sizeof STOPS[0]; i++) signal(STOPS[i], on_stop_while_waiting);
  long long start = now_ms();
  long long deadline = start + o->wait_timeout_sec * 1000;
  char why[300];
  char status_msg[1300];
  for (int i = 0; i < o->n_waits; i++) {
    struct target t;
    if (parse_target(o->waits[i], &t, why, sizeof why) != 0) { /* checked by parse_options already */
      say(lf, "%s", why);
      exit(EXIT_USAGE);
    }
    long long began = now_ms();
    int announced = 0;
    for (;;) {
      /* A whole try each time, even the last (so its error is its own, not the deadline's). */
      long long attempt_end = now_ms() + o->wait_attempt_ms;
      why[0] = '\0';
      int ok = t.kind == K_HTTP  ? probe_http(&t, attempt_end, why, sizeof why)
               : t.kind == K_TCP ? probe_tcp(&t, attempt_end, why, sizeof why)
                                 : probe_exec(&t, attempt_end, why, sizeof why);
      if (ok) {
        if (announced)
          say(lf, "%s is healthy after %.1f s; starting %s", t.name, (double)(now_ms() - began) / 1000.0, o->service);
        break;
      }
      if (!announced) {
        /* Said only when the first try failed: a dependency that is already up costs no log line. */
        say(lf, "waiting for %s (%s) to be healthy before starting %s (up to %lld s)", t.name, t.what, o->service,
            o->wait_timeout_sec);
        snprintf(status_msg, sizeof status_msg, "STATUS=waiting for %s (%s) to be healthy", t.name, t.what);
        notify(status_msg);
        announced = 1;
      }
      long long now = now_ms();
      if (now >= deadline) {
        say(lf, "gave up: %s (%s) was not healthy within %lld s (last try: %s); %s not started (exit %d)", t.name,
            t.what, o->wait_timeout_sec, why[0] ? why : "failed", o->service, EXIT_DEPTIMEOUT);
        snprintf(status_msg, sizeof status_msg, "STATUS=gave up waiting for %s (%s) to be healthy", t.name, t.what);
        notify(status_msg);
        logfile_close(lf);
        if (o->exits != NULL) write_exit_record(o->exits, o->service, exited_status(EXIT_DEPTIMEOUT), "");
        exit(EXIT_DEPTIMEOUT);
      }
      long long nap = deadline - now < POLL_MS ? deadline - now : POLL_MS;
      sleep_ms(nap);
    }
    free_target(&t);
  }
  for (size_t i = 0; i < sizeof STOPS / sizeof STOPS[0]; i++) signal(STOPS[i], SIG_DFL);
  notify("STATUS=");
}
