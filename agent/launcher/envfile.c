/*
 * --env-file: KEY=value lines (the credential store's syntax, which systemd's EnvironmentFile= and
 * dotenv also read) loaded into the environment the child inherits.
 *
 *   KEY=value              unquoted: the rest of the line, surrounding blanks trimmed
 *   KEY="quoted \" value"  double quotes: \" \\ \$ \` stand for the character, \n for a newline
 *   KEY='single'           single quotes: literal up to the next '
 *   # comment              blank lines and comment lines are skipped; "export KEY=..." is accepted
 *
 * The file is refused (nothing loaded) when it is a symbolic link, not a regular file, not owned by the
 * user the launcher runs as, or has any group/other permission bit. Messages name the path, the line
 * and the fix; a value never appears in a message.
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

#define MAX_ENV_FILE (1024 * 1024)

static int is_key_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int is_key_char(char c) {
  return is_key_start(c) || (c >= '0' && c <= '9');
}

static int is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

/* Reads the whole (already checked) file; NULL with `why` set on failure. */
static char *read_checked(const char *path, const struct stat *ls, char *why, size_t why_len) {
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    snprintf(why, why_len, "cannot open %s: %s", path, strerror(errno));
    return NULL;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_dev != ls->st_dev || st.st_ino != ls->st_ino) {
    snprintf(why, why_len, "refusing %s: it was replaced while being checked; try again", path);
    close(fd);
    return NULL;
  }
  if (st.st_size > MAX_ENV_FILE) {
    snprintf(why, why_len, "refusing %s: larger than %d bytes", path, MAX_ENV_FILE);
    close(fd);
    return NULL;
  }
  char *buf = malloc((size_t)st.st_size + 1);
  size_t have = 0;
  if (buf == NULL) {
    snprintf(why, why_len, "cannot read %s: out of memory", path);
    close(fd);
    return NULL;
  }
  for (;;) {
    ssize_t r = read(fd, buf + have, (size_t)st.st_size - have);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      snprintf(why, why_len, "cannot read %s: %s", path, strerror(errno));
      free(buf);
      close(fd);
      return NULL;
    }
    if (r == 0 || (have += (size_t)r) == (size_t)st.st_size) break;
  }
  close(fd);
  buf[have] = '\0';
  if (strlen(buf) != have) {
    snprintf(why, why_len, "refusing %s: it contains a NUL byte", path);
    free(buf);
    return NULL;
  }
  return buf;
}

/* Parses one value starting at *pp into out (NUL-terminated); advances *pp and *line. 0 or -1. */
static int parse_value(const char **pp, char *out, int *line) {
  const char *p = *pp;
  char *w = out;
  if (*p == '"' || *p == '\'') {
    char q = *p++;
    for (;;) {
      char c = *p;
      if (c == '\0') return -1;
      if (c == q) {
        p++;
        break;
      }
      if (q == '"' && c == '\\' && p[1] != '\0' && strchr("\"\\$`n", p[1]) != NULL) {
        *w++ = p[1] == 'n' ? '\n' : p[1];
        p += 2;
        continue;
      }
      if (c == '\n') (*line)++;
      *w++ = c;
      p++;
    }
    while (is_blank(*p)) p++;
    if (*p == '#')
      while (*p != '\0' && *p != '\n') p++;
    if (*p != '\0' && *p != '\n') return -1;
  } else {
    const char *end = p;
    while (*end != '\0' && *end != '\n') end++;
    const char *stop = end;
    while (stop > p && is_blank(stop[-1])) stop--;
    memcpy(w, p, (size_t)(stop - p));
    w += stop - p;
    p = end;
  }
  *w = '\0';
  *pp = p;
  return 0;
}

static int parse_and_set(const char *path, const char *text, char *why, size_t why_len) {
  size_t n = strlen(text);
  char *key = malloc(n + 1);
  char *value = malloc(n + 1);
  int line = 1;
  int rc = 0;
  const char *p = text;
  if (key == NULL || value == NULL) {
    snprintf(why, why_len, "cannot load %s: out of memory", path);
    rc = -1;
  }
  while (rc == 0 && *p != '\0') {
    while (is_blank(*p)) p++;
    if (*p == '\n' || *p == '#') {
      while (*p != '\0' && *p != '\n') p++;
      if (*p == '\n') p++, line++;
      continue;
    }
    if (*p == '\0') break;
    if (strncmp(p, "export", 6) == 0 && (p[6] == ' ' || p[6] == '\t')) {
      p += 6;
      while (is_blank(*p)) p++;
    }
    int at = line;
    size_t k = 0;
    if (is_key_start(*p))
      while (is_key_char(p[k])) k++;
    const char *eq = p + k;
    while (is_blank(*eq)) eq++;
    if (k == 0 || *eq != '=') {
      snprintf(why, why_len, "%s:%d: not a KEY=value line (KEY is [A-Za-z_][A-Za-z0-9_]*)", path, at);
      rc = -1;
      break;
    }
    memcpy(key, p, k);
    key[k] = '\0';
    p = eq + 1;
    while (is_blank(*p)) p++;
    if (parse_value(&p, value, &line) != 0) {
      snprintf(why, why_len, "%s:%d: %s: unterminated quote or text after the closing quote", path, at, key);
      rc = -1;
      break;
    }
    if (setenv(key, value, 1) != 0) {
      snprintf(why, why_len, "%s:%d: %s: cannot set: %s", path, at, key, strerror(errno));
      rc = -1;
      break;
    }
    memset(value, 0, strlen(value));
    if (*p == '\n') p++, line++;
  }
  if (value != NULL) memset(value, 0, n + 1);
  free(key);
  free(value);
  return rc;
}

int envfile_load(const char *path, char *why, size_t why_len) {
  struct stat ls;
  if (lstat(path, &ls) != 0) {
    if (errno == ENOENT) return 0;
    snprintf(why, why_len, "cannot check %s: %s", path, strerror(errno));
    return -1;
  }
  uid_t me = geteuid();
  if (S_ISLNK(ls.st_mode)) {
    snprintf(why, why_len,
             "refusing %s: it is a symbolic link; replace it with the file itself "
             "(a regular file owned by you, mode 0600)",
             path);
    return -1;
  }
  if (!S_ISREG(ls.st_mode)) {
    snprintf(why, why_len, "refusing %s: not a regular file", path);
    return -1;
  }
  if (ls.st_uid != me) {
    snprintf(why, why_len, "refusing %s: it is owned by uid %lu, not by uid %lu that runs the service; fix: chown %lu %s",
             path, (unsigned long)ls.st_uid, (unsigned long)me, (unsigned long)me, path);
    return -1;
  }
  if ((ls.st_mode & 077) != 0) {
    snprintf(why, why_len, "refusing %s: mode %04o lets other users read or change it; fix: chmod 600 %s", path,
             (unsigned)(ls.st_mode & 07777), path);
    return -1;
  }
  char *text = read_checked(path, &ls, why, why_len);
  if (text == NULL) return -1;
  int rc = parse_and_set(path, text, why, why_len);
  memset(text, 0, strlen(text));
  free(text);
  return rc;
}
