/*
 * What only the launcher knows about how a run ended, added to its exit record as key=value fields after
 * the five of every record:
 *
 *   via=vigil-launch            the launcher ran and saw the program end: the exit code is the program's
 *                               own, never systemd's (200/CHDIR, 217/USER…) or a shell's (126, 127)
 *   exec-error=ENOENT           the program could not be executed (execvp's errno; the launcher exits 127)
 *   log-end=DEV:INO:OFFSET      where the program's output ended in its log: the file's device and inode
 *                               (which stay with it through rotation's renames) and the byte offset just
 *                               after its last line, so crash evidence is the dead process's last lines
 *
 * Under launchd the launcher writes the record itself (--exits) with these fields. Under systemd the
 * ExecStopPost= hook writes the record from systemd's variables (it alone knows oom-kill, timeout…), so the
 * launcher leaves the fields in a small per-service file (--end-file), one line prefixed with systemd's
 * INVOCATION_ID: the hook appends them only when the id is its own (a file left by an earlier run is never
 * taken for this one, e.g. when systemd could not execute the launcher at all) and removes the file.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launch.h"

/* Symbolic names of the errors execvp reports (numbers differ between Linux and macOS; names do not). */
static const char *errno_name(int e, char *buf, size_t len) {
  static const struct {
    int e;
    const char *name;
  } names[] = {
      {ENOENT, "ENOENT"},   {EACCES, "EACCES"},       {ENOEXEC, "ENOEXEC"}, {ENOTDIR, "ENOTDIR"},
      {ELOOP, "ELOOP"},     {ENAMETOOLONG, "ENAMETOOLONG"}, {E2BIG, "E2BIG"}, {ENOMEM, "ENOMEM"},
      {ETXTBSY, "ETXTBSY"}, {EISDIR, "EISDIR"},       {EPERM, "EPERM"},     {EIO, "EIO"},
      {EMFILE, "EMFILE"},   {ENFILE, "ENFILE"},       {EINVAL, "EINVAL"},   {EFAULT, "EFAULT"},
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (names[i].e == e) return names[i].name;
  snprintf(buf, len, "%d", e);
  return buf;
}

void run_end_fields(char *out, size_t len, const struct log_end *end, int exec_errno) {
  char num[16];
  int n = snprintf(out, len, " via=vigil-launch");
  if (n < 0 || (size_t)n >= len) {
    if (len > 0) out[0] = '\0';
    return;
  }
  if (exec_errno != 0)
    n += snprintf(out + n, len - (size_t)n, " exec-error=%s", errno_name(exec_errno, num, sizeof num));
  if ((size_t)n < len && end != NULL && end->known)
    snprintf(out + n, len - (size_t)n, " log-end=%llu:%llu:%lld", end->dev, end->ino, end->offset);
}

void write_end_file(const char *file, const char *invocation, const char *fields) {
  char tmp[4200];
  char line[512];
  int n = snprintf(line, sizeof line, "%s%s\n", invocation != NULL && *invocation != '\0' ? invocation : "-", fields);
  if (n <= 0 || n >= (int)sizeof line || snprintf(tmp, sizeof tmp, "%s.tmp", file) >= (int)sizeof tmp) {
    diag("cannot write the end of run to %s: path or fields too long", file);
    return;
  }
  /* A temp file and rename(): the hook reads either the whole line or the file left by no one. */
  /* O_NOFOLLOW: a link another user put there is not written through */
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0 || write(fd, line, (size_t)n) != n) {
    diag("cannot write the end of run to %s: %s (its exit record will lack where the output ended)", tmp,
         strerror(errno));
    if (fd >= 0) close(fd);
    unlink(tmp);
    return;
  }
  close(fd);
  if (rename(tmp, file) != 0) {
    diag("cannot write the end of run to %s: %s", file, strerror(errno));
    unlink(tmp);
  }
}

void take_end_fields(const char *file, char *out, size_t len) {
  char line[512];
  if (len > 0) out[0] = '\0';
  char why[1024];
  int refused;
  int fd = open_private(file, O_RDONLY, why, sizeof why, &refused);
  if (fd < 0) {
    /* not private: its fields could be anybody's; else the launcher did not end this run (never started) */
    if (refused) diag("%s; the exit record goes without the launcher's fields", why);
    return;
  }
  FILE *f = fdopen(fd, "r");
  if (f == NULL) {
    close(fd);
    return;
  }
  int got = fgets(line, sizeof line, f) != NULL;
  fclose(f);
  unlink(file); /* whatever it held, it never speaks for a later run */
  if (!got) return;
  line[strcspn(line, "\n")] = '\0';
  char *sp = strchr(line, ' ');
  if (sp == NULL) return;
  *sp = '\0';
  const char *inv = getenv("INVOCATION_ID");
  if (strcmp(line, inv != NULL && *inv != '\0' ? inv : "-") != 0) return;
  snprintf(out, len, " %s", sp + 1);
}
