/*
 * Exit records that survive a full disk.
 *
 * An exit record is one line appended to the exit journal. On a full disk that append fails, and the
 * record used to be lost. Here every writer (systemd's ExecStopPost hook, which is `vigil-launch
 * --exit-hook`, and the launcher itself under launchd) goes through journal_record():
 *
 * - `<journal>.pending` is a file of PEND_SLOTS fixed slots of PEND_SLOT bytes, written in full (zeros)
 *   when created, so its blocks are allocated: later writes into a slot overwrite bytes the file system
 *   already gave it and need no free space (true of tmpfs, ext4, xfs; not of copy-on-write file systems
 *   such as btrfs or zfs, where an overwrite can still fail when the disk is completely full).
 * - Under an exclusive fcntl lock on that file, a writer first moves any pending records into the
 *   journal (oldest first), then appends its own. When an append fails it is cut back to the journal's
 *   previous end (a torn line never stays) and the record goes into a free slot instead; records already
 *   pending stay ahead of it, so the journal keeps their order.
 * - A pending record leaves its slot only after its line is in the journal; a writer killed between the
 *   two leaves a line that is both in the journal and pending, so before moving a pending line the
 *   journal's tail is searched for it (the nanosecond timestamp makes lines unique): exactly once.
 * - Once per run: under systemd the launcher writes its record the moment its child ends, with
 *   " run=<INVOCATION_ID>"; the ExecStopPost= hook (same id) looks for that run under the same lock
 *   (journal tail, `<journal>.1`, pending slots) and writes nothing when it is there, or only an
 *   amending record when systemd's Result= says more (amend_if_more). A run the launcher could not
 *   record (it was killed, never ran, could not write) gets the hook's record as before.
 * - `vigil-launch --exit-flush <journal>` does only the moving; the agent runs it when it sees pending
 *   records, so they reach the journal once space returns even when no other service exits.
 * - Both files are opened O_NOFOLLOW and must be private (private.c): a journal another user owns or can
 *   write, or a link in its place, is refused (the hook exits 78 naming the path and the fix) and nothing
 *   is written to it, so nobody else's lines sit among the records the agent trusts.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "launch.h"

#define PEND_SLOTS 256
#define PEND_SLOT 256
#define PEND_BYTES (PEND_SLOTS * PEND_SLOT)
/* How much of the journal's end is searched for a line that may already have been moved. */
#define TAIL_SEARCH 65536

static int write_all_at(int fd, const char *buf, size_t len, off_t at) {
  while (len > 0) {
    ssize_t n = pwrite(fd, buf, len, at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    buf += n;
    len -= (size_t)n;
    at += n;
  }
  return 0;
}

/* Set (with its message said on stderr) when a journal file or its directory was refused as unsafe. */
static int g_refused;

static int open_checked(const char *path, int flags) {
  char why[1024];
  int refused;
  int fd = open_private(path, flags, why, sizeof why, &refused);
  if (fd < 0 && refused) {
    diag("%s", why);
    g_refused = 1;
    errno = EPERM;
  }
  return fd;
}

/* Creates `<journal>.pending` in full if it is missing (via a temp file and link(), so never half-made). */
static int open_pending(const char *pending) {
  int fd = open_checked(pending, O_RDWR);
  if (fd >= 0 || errno != ENOENT) return fd;
  char tmp[4200];
  if (snprintf(tmp, sizeof tmp, "%s.%ld.tmp", pending, (long)getpid()) >= (int)sizeof tmp) return -1;
  int t = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (t < 0) return -1;
  static const char zeros[PEND_SLOT];
  int ok = 1;
  for (int i = 0; i < PEND_SLOTS && ok; i++) ok = write_all_at(t, zeros, sizeof zeros, (off_t)i * PEND_SLOT) == 0;
  close(t);
  if (ok && link(tmp, pending) != 0 && errno != EEXIST) ok = 0;
  unlink(tmp);
  return ok ? open_checked(pending, O_RDWR) : -1;
}

static int lock_fd(int fd, short type) {
  struct flock l;
  memset(&l, 0, sizeof l);
  l.l_type = type;
  l.l_whence = SEEK_SET;
  int r;
  do r = fcntl(fd, F_SETLKW, &l);
  while (r != 0 && errno == EINTR);
  return r;
}

/* Whether the journal's last TAIL_SEARCH bytes hold `line` as a whole line. */
static int journal_has(int fd, const char *line, size_t len) {
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_size < (off_t)len) return 0;
  static char buf[TAIL_SEARCH + 1];
  off_t start = st.st_size > TAIL_SEARCH ? st.st_size - TAIL_SEARCH : 0;
  ssize_t got = pread(fd, buf, (size_t)(st.st_size - start), start);
  if (got <= 0) return 0;
  buf[got] = '\0';
  for (char *p = buf; (p = strstr(p, line)) != NULL; p++)
    if (p == buf ? start == 0 : p[-1] == '\n') return 1;
  return 0;
}

/* Appends one whole line; on failure the journal is cut back to where it ended. 0 on success. */
static int append_line(const char *journal, const char *line, size_t len, int dedupe) {
  int fd = open_checked(journal, O_RDWR | O_APPEND | O_CREAT);
  if (fd < 0) return -1;
  if (dedupe && journal_has(fd, line, len)) {
    close(fd);
    return 0;
  }
  struct stat st;
  int rc = fstat(fd, &st);
  if (rc == 0) {
    const char *p = line;
    size_t left = len;
    while (left > 0) {
      ssize_t n = write(fd, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        int e = errno;
        if (ftruncate(fd, st.st_size) != 0) diag("cannot cut a torn exit record from %s: %s", journal, strerror(errno));
        errno = e == 0 ? ENOSPC : e;
        rc = -1;
        break;
      }
      p += n;
      left -= (size_t)n;
    }
  }
  int e = errno;
  close(fd);
  errno = e;
  return rc;
}

struct slot {
  int index;
  long long sec;
  long nsec;
};

static int by_time(const void *a, const void *b) {
  const struct slot *x = a, *y = b;
  if (x->sec != y->sec) return x->sec < y->sec ? -1 : 1;
  if (x->nsec != y->nsec) return x->nsec < y->nsec ? -1 : 1;
  return x->index - y->index;
}

/* Moves pending records into the journal, oldest first; returns how many are still pending (-1: unreadable). */
static int move_pending(int pfd, const char *journal, char *slots) {
  ssize_t got = pread(pfd, slots, PEND_BYTES, 0);
  if (got != PEND_BYTES) return -1;
  struct slot used[PEND_SLOTS];
  int n = 0;
  for (int i = 0; i < PEND_SLOTS; i++) {
    char *s = slots + (size_t)i * PEND_SLOT;
    if (s[0] == '\0') continue;
    s[PEND_SLOT - 1] = '\0';
    char *end = NULL;
    used[n].index = i;
    used[n].sec = strtoll(s, &end, 10);
    used[n].nsec = end != NULL && *end == '.' ? strtol(end + 1, NULL, 10) : 0;
    n++;
  }
  qsort(used, (size_t)n, sizeof used[0], by_time);
  for (int k = 0; k < n; k++) {
    char *s = slots + (size_t)used[k].index * PEND_SLOT;
    size_t len = strnlen(s, PEND_SLOT - 1);
    if (append_line(journal, s, len, 1) != 0) return n - k;
    static const char empty = '\0';
    if (write_all_at(pfd, &empty, 1, (off_t)used[k].index * PEND_SLOT) != 0) {
      diag("cannot clear a pending exit record in %s.pending: %s", journal, strerror(errno));
      return n - k;
    }
    s[0] = '\0';
  }
  return 0;
}

/* Puts `line` in the first free slot (`slots` as read by move_pending). 0 on success. */
static int pend_line(int pfd, const char *slots, const char *line, size_t len) {
  if (len >= PEND_SLOT) {
    errno = ENAMETOOLONG;
    return -1;
  }
  for (int i = 0; i < PEND_SLOTS; i++) {
    if (slots[(size_t)i * PEND_SLOT] != '\0') continue;
    char slot[PEND_SLOT];
    memset(slot, 0, sizeof slot);
    memcpy(slot, line, len);
    return write_all_at(pfd, slot, sizeof slot, (off_t)i * PEND_SLOT);
  }
  errno = ENOSPC;
  return -1;
}

/*
 * The whole line of `buf` (NUL-terminated) that holds the field `field` (" run=ID", then a space or the
 * line's end), copied to `found`; 0 when there is none.
 */
static int line_with_field(const char *buf, const char *field, char *found, size_t found_len) {
  size_t flen = strlen(field);
  for (const char *p = buf; (p = strstr(p, field)) != NULL; p += flen) {
    char after = p[flen];
    if (after != ' ' && after != '\n' && after != '\0') continue;
    const char *start = p;
    while (start > buf && start[-1] != '\n') start--;
    size_t len = strcspn(start, "\n");
    if (len >= found_len) len = found_len - 1;
    memcpy(found, start, len);
    found[len] = '\0';
    return 1;
  }
  return 0;
}

/* Looks for `field` in the last TAIL_SEARCH bytes of `file` (a missing file holds nothing). */
static int tail_has_field(const char *file, const char *field, char *found, size_t found_len) {
  int fd = open_checked(file, O_RDONLY);
  if (fd < 0) return 0;
  struct stat st;
  static char buf[TAIL_SEARCH + 1];
  ssize_t got = 0;
  if (fstat(fd, &st) == 0 && st.st_size > 0) {
    off_t start = st.st_size > TAIL_SEARCH ? st.st_size - TAIL_SEARCH : 0;
    got = pread(fd, buf, (size_t)(st.st_size - start), start);
  }
  close(fd);
  if (got <= 0) return 0;
  buf[got] = '\0';
  return line_with_field(buf, field, found, found_len);
}

/* Whether a record holding `field` is in the journal, in `<journal>.1` (rotated meanwhile) or pending. */
static int run_recorded(const char *journal, const char *slots, const char *field, char *found, size_t found_len) {
  char rotated[4200];
  if (tail_has_field(journal, field, found, found_len)) return 1;
  if (snprintf(rotated, sizeof rotated, "%s.1", journal) < (int)sizeof rotated &&
      tail_has_field(rotated, field, found, found_len))
    return 1;
  for (int i = 0; slots != NULL && i < PEND_SLOTS; i++) {
    char slot[PEND_SLOT + 1];
    if (slots[(size_t)i * PEND_SLOT] == '\0') continue;
    memcpy(slot, slots + (size_t)i * PEND_SLOT, PEND_SLOT);
    slot[PEND_SLOT] = '\0';
    if (line_with_field(slot, field, found, found_len)) return 1;
  }
  return 0;
}

int journal_record(const char *journal, const char *line) { return journal_record_run(journal, line, NULL, NULL, 0); }

int journal_record_run(const char *journal, const char *line, const char *run, char *found, size_t found_len) {
  char pending[4200];
  if (found != NULL && found_len > 0) found[0] = '\0';
  size_t len = line != NULL ? strlen(line) : 0;
  if (snprintf(pending, sizeof pending, "%s.pending", journal) >= (int)sizeof pending) {
    diag("the exit journal path %s is too long", journal);
    return -1;
  }
  g_refused = 0;
  int pfd = open_pending(pending);
  if (pfd < 0 && g_refused) {
    diag("exit record%s not written: the exit journal is not private", len > 0 ? "" : "s");
    return JOURNAL_REFUSED;
  }
  if (pfd < 0) {
    /* No slots (the disk filled before they were ever made): the plain append is all there is. */
    if (len > 0 && run != NULL && found != NULL && found_len > 0 && run_recorded(journal, NULL, run, found, found_len))
      return g_refused ? JOURNAL_REFUSED : 0;
    if (len == 0 || append_line(journal, line, len, 0) == 0) return 0;
    if (g_refused) return JOURNAL_REFUSED;
    diag("exit record lost: cannot append to %s (%s) and no pending slots in %s", journal, strerror(errno), pending);
    return -1;
  }
  static char slots[PEND_BYTES];
  int rc = 0;
  if (lock_fd(pfd, F_WRLCK) != 0) diag("cannot lock %s: %s (going on without it)", pending, strerror(errno));
  int left = move_pending(pfd, journal, slots);
  /* Under the lock: a record of this run moved from the pending slots meanwhile is found in the journal. */
  int already = len > 0 && run != NULL && found != NULL && found_len > 0 && !g_refused &&
                run_recorded(journal, left > 0 ? slots : NULL, run, found, found_len);
  if (already) {
    /* nothing to write: this run's record is there (or pending) */
  } else if (len > 0) {
    int appended = left <= 0 && append_line(journal, line, len, 0) == 0;
    if (!appended && g_refused) {
      diag("exit record not written: the exit journal %s is not private", journal);
    } else if (!appended) {
      int e = errno;
      if (left < 0) memset(slots, 1, sizeof slots); /* unreadable: no slot is known to be free */
      if (pend_line(pfd, slots, line, len) == 0)
        diag("the exit journal %s cannot be written (%s): record kept in %s until space returns", journal,
             left > 0 ? "records already pending" : strerror(e), pending);
      else {
        diag("exit record lost: cannot append to %s (%s) nor keep it in %s (%s)", journal, strerror(e), pending,
             strerror(errno));
        rc = -1;
      }
    }
  } else if (left != 0) {
    rc = 1; /* flush only: some are still pending */
  }
  lock_fd(pfd, F_UNLCK);
  close(pfd);
  /* A refused journal is never written and its records are not kept for it either: say so, exit 78. */
  return g_refused ? JOURNAL_REFUSED : rc;
}

/*
 * The launcher's record of this run is `found`. systemd's Result= says more than the launcher could see
 * when it is none of the four a process's own end gives (success, exit-code, signal, core-dump) and not what
 * the launcher wrote: oom-kill, timeout, watchdog… Then the hook's record goes in too, marked
 * " amends=<the launcher record's time stamp>" (the agent takes it as the same run's end, better told).
 */
static int amend_if_more(const char *journal, const char *line, size_t n, const char *result, const char *found) {
  static const char *const OWN[] = {"success", "exit-code", "signal", "core-dump", "-"};
  if (result == NULL || *result == '\0') return 0;
  for (size_t i = 0; i < sizeof OWN / sizeof OWN[0]; i++)
    if (strcmp(result, OWN[i]) == 0) return 0;
  char ts[32], svc[128], was[64];
  if (sscanf(found, "%31s %127s %63s", ts, svc, was) != 3 || strcmp(was, result) == 0) return 0;
  char amended[PEND_SLOT];
  int m = snprintf(amended, sizeof amended, "%.*s amends=%s\n", (int)(n - 1), line, ts);
  if (m <= 0 || m >= (int)sizeof amended) {
    diag("amending exit record too long (Result=%s not recorded)", result);
    return 1;
  }
  return journal_record(journal, amended);
}

/*
 * The ExecStopPost= hook: `vigil-launch --exit-hook JOURNAL SERVICE [END-FILE]`, with systemd's variables;
 * the launcher's fields from END-FILE (runend.c) follow the five of the record.
 */
static int hook_main(const char *journal, const char *service, const char *end_file) {
  char extra[256] = "";
  if (end_file != NULL) take_end_fields(end_file, extra, sizeof extra);
  const char *result = getenv("SERVICE_RESULT");
  const char *code = getenv("EXIT_CODE");
  const char *status = getenv("EXIT_STATUS");
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  char line[PEND_SLOT];
  int n = snprintf(line, sizeof line, "%lld.%09ld %s %s %s %s%s\n", (long long)ts.tv_sec, (long)ts.tv_nsec, service,
                   result != NULL && *result != '\0' ? result : "-", code != NULL && *code != '\0' ? code : "-",
                   status != NULL && *status != '\0' ? status : "-", extra);
  if (n <= 0 || n >= (int)sizeof line) {
    diag("exit record for %s too long", service);
    return 1;
  }
  /* The launcher wrote its record of this run as its child ended (run=INVOCATION_ID): not a second one. */
  const char *inv = getenv("INVOCATION_ID");
  char run[96];
  char found[PEND_SLOT];
  int has_run = inv != NULL && *inv != '\0' && strlen(inv) <= 64 && strpbrk(inv, " \t\n") == NULL;
  if (has_run) snprintf(run, sizeof run, " run=%s", inv);
  int rc = journal_record_run(journal, line, has_run ? run : NULL, found, sizeof found);
  if (rc == 0 && found[0] != '\0') rc = amend_if_more(journal, line, (size_t)n, result, found);
  return rc == 0 ? 0 : rc == JOURNAL_REFUSED ? EXIT_CONFIG : 1;
}

int exit_hook_main(int argc, char **argv) {
  if ((argc == 4 || argc == 5) && strcmp(argv[1], "--exit-hook") == 0) {
    g_service = argv[3];
    return hook_main(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
  }
  if (argc == 3 && strcmp(argv[1], "--exit-flush") == 0) {
    int rc = journal_record(argv[2], NULL);
    return rc == 0 ? 0 : rc == 1 ? 75 /* EX_TEMPFAIL: still pending */ : rc == JOURNAL_REFUSED ? EXIT_CONFIG : 1;
  }
  diag("usage: vigil-launch --exit-hook JOURNAL SERVICE [END-FILE] | --exit-flush JOURNAL");
  return EXIT_USAGE;
}
