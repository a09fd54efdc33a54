/*
 * The service's log file, written and rotated by the launcher itself: the only writer, so rotation is a
 * rename chain plus reopen between two whole lines, and nothing is ever truncated, copied or lost.
 *
 * Bytes from the child's pipe collect in a buffer; every complete line is written (one write() per batch
 * of lines), a partial last line waits for its newline (the main loop writes it after a quiet moment, and
 * then the rest of that line follows in the same file). Before a batch would take the file past
 * max_bytes, the lines that still fit are written, the file is rotated and the rest goes to the new file.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launch.h"

#define BUF_SIZE (256 * 1024)

struct logfile {
  char *path;
  char *from; /* scratch for rotation names */
  char *to;
  int fd;
  long long size; /* bytes in the current file */
  long long max;
  int keep;
  int mid_line;            /* the file ends inside a line (a partial was written) */
  unsigned long long lost; /* bytes that could not be written since the last success */
  int lost_errno;
  size_t len; /* bytes waiting in buf */
  char buf[BUF_SIZE];
};

/* O_NOFOLLOW, created 0600, refused when another user could read or forge its lines (private.c). */
static int open_log(const char *path, char *why, size_t why_len, int *refused) {
  return open_private(path, O_WRONLY | O_APPEND | O_CREAT, why, why_len, refused);
}

struct logfile *logfile_open(const char *path, long long max_bytes, int keep, char *why, size_t why_len, int *refused) {
  *refused = 0;
  struct logfile *lf = calloc(1, sizeof *lf);
  size_t n = strlen(path) + 24;
  if (lf == NULL) return NULL;
  lf->fd = -1;
  lf->path = strdup(path);
  lf->from = malloc(n);
  lf->to = malloc(n);
  if (lf->path == NULL || lf->from == NULL || lf->to == NULL) {
    logfile_close(lf);
    snprintf(why, why_len, "cannot open %s: %s", path, strerror(ENOMEM));
    errno = ENOMEM;
    return NULL;
  }
  lf->fd = open_log(path, why, why_len, refused);
  if (lf->fd < 0) {
    int e = errno;
    logfile_close(lf);
    errno = e;
    return NULL;
  }
  struct stat st;
  lf->size = fstat(lf->fd, &st) == 0 ? (long long)st.st_size : 0;
  lf->max = max_bytes;
  lf->keep = keep;
  return lf;
}

/* Bytes up to and including the last newline in p[0..n), or 0. */
static size_t upto_last_nl(const char *p, size_t n) {
  while (n > 0 && p[n - 1] != '\n') n--;
  return n;
}

/* Bytes up to and including the first newline in p[0..n), or 0. */
static size_t upto_first_nl(const char *p, size_t n) {
  const char *nl = memchr(p, '\n', n);
  return nl == NULL ? 0 : (size_t)(nl - p) + 1;
}

static int write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static void put(struct logfile *lf, const char *p, size_t n);

/* After a write failure: once writing works again, say how much was lost (at a line boundary). */
static void report_recovery(struct logfile *lf) {
  char note[160];
  unsigned long long lost = lf->lost;
  lf->lost = 0;
  diag("writing %s again; %llu bytes of output were lost (%s)", lf->path, lost, strerror(lf->lost_errno));
  snprintf(note, sizeof note, "vigil-launch: %llu bytes of output were lost here (%s)\n", lost,
           strerror(lf->lost_errno));
  put(lf, note, strlen(note));
}

static void put(struct logfile *lf, const char *p, size_t n) {
  if (n == 0) return;
  if (write_all(lf->fd, p, n) != 0) {
    if (lf->lost == 0) diag("cannot write %s: %s; dropping output until it works again", lf->path, strerror(errno));
    lf->lost += n;
    lf->lost_errno = errno;
    return;
  }
  lf->size += (long long)n;
  if (lf->lost > 0 && p[n - 1] == '\n') report_recovery(lf);
}

static void rotation_name(struct logfile *lf, char *out, int i) {
  size_t n = strlen(lf->path) + 24;
  if (i == 0)
    snprintf(out, n, "%s", lf->path);
  else
    snprintf(out, n, "%s.%d", lf->path, i);
}

/*
 * FILE.(keep-1) -> FILE.keep (replacing it), ..., FILE -> FILE.1, then a new FILE. On any failure the
 * current descriptor stays in use (nothing is lost) and the next attempt comes after another max_bytes.
 */
static void rotate(struct logfile *lf) {
  lf->size = 0;
  if (lf->keep == 0) {
    if (unlink(lf->path) != 0 && errno != ENOENT) {
      diag("cannot rotate %s: %s", lf->path, strerror(errno));
      return;
    }
  }
  for (int i = lf->keep; i >= 1; i--) {
    rotation_name(lf, lf->from, i - 1);
    rotation_name(lf, lf->to, i);
    if (rename(lf->from, lf->to) != 0 && errno != ENOENT) {
      diag("cannot rotate %s to %s: %s", lf->from, lf->to, strerror(errno));
      return;
    }
  }
  char why[1024];
  int refused;
  int fd = open_log(lf->path, why, sizeof why, &refused);
  if (fd < 0) {
    /* e.g. another user slipped a file or a link in after the rename: the output stays in our own file */
    diag("after rotating: %s; still writing to the rotated file", why);
    return;
  }
  close(lf->fd);
  lf->fd = fd;
}

/* Writes whole lines p[0..n) (p[n-1] is a newline), rotating between lines as needed. */
static void write_lines(struct logfile *lf, const char *p, size_t n) {
  while (n > 0) {
    size_t k;
    if (lf->mid_line) {
      /* The rest of a line already begun in this file stays in this file. */
      k = upto_first_nl(p, n);
      put(lf, p, k);
      lf->mid_line = 0;
    } else if (lf->size + (long long)n <= lf->max) {
      put(lf, p, n);
      return;
    } else {
      long long room = lf->size < lf->max ? lf->max - lf->size : 0;
      k = upto_last_nl(p, (long long)n < room ? n : (size_t)room);
      /* A single line longer than max_bytes gets a file of its own. */
      if (k == 0 && lf->size == 0) k = upto_first_nl(p, n);
      put(lf, p, k);
      if (k < n) rotate(lf);
    }
    p += k;
    n -= k;
  }
}

static void write_partial(struct logfile *lf) {
  if (lf->len == 0) return;
  if (!lf->mid_line && lf->size > 0 && lf->size + (long long)lf->len > lf->max) rotate(lf);
  put(lf, lf->buf, lf->len);
  lf->mid_line = lf->buf[lf->len - 1] != '\n';
  lf->len = 0;
}

void logfile_feed(struct logfile *lf, const char *data, size_t len) {
  while (len > 0) {
    size_t room = BUF_SIZE - lf->len;
    size_t n = len < room ? len : room;
    memcpy(lf->buf + lf->len, data, n);
    lf->len += n;
    data += n;
    len -= n;
    size_t complete = upto_last_nl(lf->buf, lf->len);
    if (complete > 0) {
      write_lines(lf, lf->buf, complete);
      memmove(lf->buf, lf->buf + complete, lf->len - complete);
      lf->len -= complete;
    }
    /* A line longer than the whole buffer: write what there is; the rest follows in the same file. */
    if (lf->len == BUF_SIZE) write_partial(lf);
  }
}

int logfile_has_partial(const struct logfile *lf) {
  return lf->len > 0;
}

void logfile_flush_partial(struct logfile *lf) {
  write_partial(lf);
}

void logfile_note(struct logfile *lf, const char *line) {
  write_partial(lf);
  if (lf->mid_line) {
    put(lf, "\n", 1);
    lf->mid_line = 0;
  }
  put(lf, line, strlen(line));
}

void logfile_end(struct logfile *lf, struct log_end *end) {
  end->known = 0;
  if (lf == NULL || lf->fd < 0) return;
  write_partial(lf);
  /* A last line without its newline is ended, so the next run's output starts on a line of its own. */
  if (lf->mid_line) {
    put(lf, "\n", 1);
    lf->mid_line = 0;
  }
  /*
   * The file (its inode stays with it through renames, so the position survives any later rotation) and
   * its size now: the launcher is its only writer, appending.
   */
  struct stat st;
  if (fstat(lf->fd, &st) != 0) return;
  end->known = 1;
  end->dev = (unsigned long long)st.st_dev;
  end->ino = (unsigned long long)st.st_ino;
  end->offset = (long long)st.st_size;
}

void logfile_close(struct logfile *lf) {
  if (lf == NULL) return;
  if (lf->fd >= 0) {
    write_partial(lf);
    /* A last line without its newline is ended, so the next run's output starts on a line of its own. */
    if (lf->mid_line) put(lf, "\n", 1);
    close(lf->fd);
  }
  free(lf->path);
  free(lf->from);
  free(lf->to);
  free(lf);
}
