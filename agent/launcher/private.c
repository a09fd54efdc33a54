/*
 * The launcher's own files (the service log, the exit journal and its pending slots, the end-of-run file)
 * are private to the user it runs as, whatever the umask and whatever another local user put in their
 * place:
 *
 * - opened with O_NOFOLLOW (a symbolic link there is refused, its target never touched) and created 0600;
 * - after open, fstat of the descriptor: a regular file, owned by us, one link, writable by nobody else.
 *   A file only readable by others (an older Vigil made logs 0644) is tightened to 0600 through the
 *   descriptor; one that others can write, or that another user owns, is refused: its content may be
 *   theirs, and anything appended to it would be theirs to read;
 * - the directory it is in: owned by us (or root), and not writable by others unless sticky (as /tmp),
 *   since whoever can write the directory can swap the file between two opens.
 *
 * A refusal is a message naming the path and the fix; the caller exits 78 (EX_CONFIG), like a refused
 * env file.
 */
#define _XOPEN_SOURCE 700 /* S_ISVTX */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launch.h"

int private_dir_check(const char *file, char *why, size_t why_len) {
  char dir[4200];
  const char *slash = strrchr(file, '/');
  if (slash == NULL)
    snprintf(dir, sizeof dir, ".");
  else if (slash == file)
    snprintf(dir, sizeof dir, "/");
  else if ((size_t)(slash - file) >= sizeof dir) {
    snprintf(why, why_len, "refusing %s: the path is too long", file);
    return -1;
  } else {
    memcpy(dir, file, (size_t)(slash - file));
    dir[slash - file] = '\0';
  }
  struct stat st;
  if (stat(dir, &st) != 0) return 0; /* missing: the open that follows says so */
  uid_t me = geteuid();
  if (st.st_uid != me && st.st_uid != 0) {
    snprintf(why, why_len,
             "refusing %s: its directory %s is owned by uid %lu, not by uid %lu that runs the service; fix: use a "
             "VIGIL_HOME of your own",
             file, dir, (unsigned long)st.st_uid, (unsigned long)me);
    return -1;
  }
  if ((st.st_mode & 022) != 0 && (st.st_mode & S_ISVTX) == 0) {
    snprintf(why, why_len,
             "refusing %s: its directory %s has mode %04o, so other users can replace the file; fix: chmod 700 %s "
             "(or vigil doctor --fix)",
             file, dir, (unsigned)(st.st_mode & 07777), dir);
    return -1;
  }
  return 0;
}

int private_fd_check(int fd, const char *path, char *why, size_t why_len) {
  struct stat st;
  uid_t me = geteuid();
  if (fstat(fd, &st) != 0) {
    snprintf(why, why_len, "cannot check %s: %s", path, strerror(errno));
    return -1;
  }
  if (!S_ISREG(st.st_mode)) {
    snprintf(why, why_len, "refusing %s: not a regular file; fix: move it aside and restart the service", path);
    return -1;
  }
  if (st.st_uid != me) {
    snprintf(why, why_len,
             "refusing %s: it is owned by uid %lu, not by uid %lu that runs the service, who could read or forge "
             "what is written there; fix: check who put it there, then move it aside (mv %s %s.suspect) and "
             "restart the service",
             path, (unsigned long)st.st_uid, (unsigned long)me, path, path);
    return -1;
  }
  if ((st.st_mode & 022) != 0) {
    snprintf(why, why_len,
             "refusing %s: mode %04o lets other users change it; fix: chmod 600 %s (or vigil doctor --fix) and "
             "restart the service",
             path, (unsigned)(st.st_mode & 07777), path);
    return -1;
  }
  if (st.st_nlink > 1) {
    snprintf(why, why_len,
             "refusing %s: it has %lu hard links, so writing it would write another file too; fix: move it aside "
             "(mv %s %s.suspect) and restart the service",
             path, (unsigned long)st.st_nlink, path, path);
    return -1;
  }
  if ((st.st_mode & 077) != 0 && fchmod(fd, 0600) != 0) {
    snprintf(why, why_len, "cannot make %s private (chmod 600): %s", path, strerror(errno));
    return -1;
  }
  return 0;
}

int open_private(const char *path, int flags, char *why, size_t why_len, int *refused) {
  *refused = 0;
  if (private_dir_check(path, why, why_len) != 0) {
    *refused = 1;
    errno = EPERM;
    return -1;
  }
  int fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    int e = errno;
    struct stat ls;
    if (e == ELOOP || (lstat(path, &ls) == 0 && S_ISLNK(ls.st_mode))) {
      snprintf(why, why_len,
               "refusing %s: it is a symbolic link (not followed, its target untouched); fix: remove the link "
               "(rm %s) and restart the service",
               path, path);
      *refused = 1;
    } else {
      snprintf(why, why_len, "cannot open %s: %s", path, strerror(e));
    }
    errno = e;
    return -1;
  }
  if (private_fd_check(fd, path, why, why_len) != 0) {
    close(fd);
    *refused = 1;
    errno = EPERM;
    return -1;
  }
  return fd;
}
