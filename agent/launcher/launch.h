/*
 * vigil-launch: shared declarations of the launcher's parts (see vigil-launch.c for the whole picture).
 * POSIX.1-2008 only, so it builds with gcc on Linux and clang on macOS.
 */
#ifndef VIGIL_LAUNCH_H
#define VIGIL_LAUNCH_H

#include <stddef.h>
#include <sys/types.h>

/* Exit statuses of the launcher itself (sysexits.h values, plus the shell's 127). */
#define EXIT_USAGE 64      /* EX_USAGE: bad command line */
#define EXIT_OSERR 71      /* EX_OSERR: pipe/fork/poll failed */
#define EXIT_CANTCREAT 73  /* EX_CANTCREAT: the log file cannot be opened */
#define EXIT_CONFIG 78     /* EX_CONFIG: an env file, the log file or the exit journal was refused */
#define EXIT_DEPTIMEOUT 75 /* EX_TEMPFAIL: a --wait-for dependency was not healthy in time */
#define EXIT_NOEXEC 127    /* the program could not be executed */

/* A message on the launcher's stderr, prefixed "vigil-launch: " (and the service name when known). */
void diag(const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* The service name for messages (set once by main). */
extern const char *g_service;

#define MAX_ENV_FILES 64
#define MAX_WAITS 32

/* The command line (options.c). */
struct options {
  const char *service;
  const char *log;
  const char *exits;
  const char *end_file; /* --end-file: where the run's end goes for systemd's exit hook (runend.c) */
  long long max_bytes;
  int keep;
  const char *env_files[MAX_ENV_FILES];
  int n_env;
  const char *waits[MAX_WAITS]; /* --wait-for NAME=KIND:TARGET (waitdep.c) */
  int n_waits;
  long long wait_timeout_sec;
  long long wait_attempt_ms;
  char **argv;
  int stop_timeout; /* --stop-timeout: seconds from the first SIGTERM to SIGKILL; 0 = never (stoptimer.c) */
};

/* Fills `o` (defaults: 10 MiB, 5 kept); a usage error exits 64 with a message. */
void parse_options(int argc, char **argv, struct options *o);

/* ---- how the child ended (exitrec.c) ---- */

/*
 * Appends "<epoch s.ns> <service> <result> <how> <status><extra>" for a waitpid() status to `file`
 * (`extra`: the launcher's own fields, see runend.c, each with a leading space; "" for none). Returns
 * journal_record's result (0: in the journal, or kept pending until there is space).
 */
int write_exit_record(const char *file, const char *service, int status, const char *extra);
/* Exits with the child's exit code, or dies of its signal (no core file of the launcher itself). */
void exit_like(int status);

/* ---- stop timeout (stoptimer.c) ---- */

/* Set once the child's process group was killed because the stop timeout passed. */
extern int g_stop_timed_out;
/* Starts the countdown (first call only; 0 = no timeout). */
void stop_timer_arm(int timeout_sec);
/* A poll() timeout that wakes at the deadline: `other_ms` (-1 = none) or the time left, whichever is less. */
int stop_timer_wait_ms(int other_ms);
/* True once, when the deadline has passed. */
int stop_timer_expired(void);

/* ---- exit records that survive a full disk (exitpend.c) ---- */

/*
 * Appends `line` (one whole record, with its newline) to the journal after any records pending in
 * `<journal>.pending`; when the journal cannot be written, keeps it in a preallocated slot there instead.
 * `line` NULL only moves pending records. Returns 0 when done, 1 when records are still pending (flush
 * only), -1 when the record was lost (said on stderr), JOURNAL_REFUSED when the journal, its pending file
 * or their directory is not private (private.c; said on stderr, nothing written).
 */
#define JOURNAL_REFUSED (-2)
int journal_record(const char *journal, const char *line);
/*
 * journal_record, once per run: `run` is a record's " run=ID" field (the launcher writes systemd's
 * INVOCATION_ID there). When a record of that run is already in the journal (its last TAIL_SEARCH bytes,
 * and those of `<journal>.1` after a rotation) or pending, `line` is not written and that record is copied
 * to `found` (at most PEND_SLOT bytes); else `found` is "". Same return values as journal_record.
 */
int journal_record_run(const char *journal, const char *line, const char *run, char *found, size_t found_len);
/* `vigil-launch --exit-hook JOURNAL SERVICE` (systemd's ExecStopPost=) and `--exit-flush JOURNAL`. */
int exit_hook_main(int argc, char **argv);

/* ---- log file with size rotation (logfile.c) ---- */

struct logfile;

/* Where a run's output ended in the log: the file's identity and the byte offset just after it. */
struct log_end {
  int known;
  unsigned long long dev;
  unsigned long long ino;
  long long offset;
};

/*
 * Opens (creating, mode 0600; private.c's checks) `path` for appending. Rotation happens when a write would take the file
 * past `max_bytes`: FILE.(keep-1) -> FILE.keep, ..., FILE -> FILE.1, then a new FILE is opened. Only
 * whole lines are ever moved into a file, so no line is split across two files (except a line longer
 * than the whole buffer, which is written in pieces but never across a rotation).
 * Returns NULL when the file cannot be opened, with `why` set and *refused = 1 when it was refused as unsafe
 * (a link, another owner, writable by others: exit 78) rather than just failing (exit 73).
 */
struct logfile *logfile_open(const char *path, long long max_bytes, int keep, char *why, size_t why_len, int *refused);
/* Takes bytes read from the child's pipe; writes every complete line, keeps the partial last one. */
void logfile_feed(struct logfile *lf, const char *data, size_t len);
/* Whether a partial line waits in the buffer (the main loop flushes it after a quiet moment). */
int logfile_has_partial(const struct logfile *lf);
/* Writes the buffered partial line as is (it will be completed by later bytes in the same file). */
void logfile_flush_partial(struct logfile *lf);
/* Appends a launcher diagnostic line ("vigil-launch: ...\n") at a line boundary. */
void logfile_note(struct logfile *lf, const char *line);
/* Writes what is buffered (ending a partial last line) and says where the output now ends. */
void logfile_end(struct logfile *lf, struct log_end *end);
/* Flushes everything and closes. */
void logfile_close(struct logfile *lf);

/* ---- what only the launcher knows about a run's end (runend.c) ---- */

/* " via=vigil-launch[ exec-error=NAME][ log-end=DEV:INO:OFFSET]" into `out` (exec_errno 0: it ran). */
void run_end_fields(char *out, size_t len, const struct log_end *end, int exec_errno);
/* Leaves "<invocation id><fields>" in `file` (atomically) for systemd's ExecStopPost= hook. */
void write_end_file(const char *file, const char *invocation, const char *fields);
/* The hook's side: the fields left in `file` when it holds this run's INVOCATION_ID, else ""; removes it. */
void take_end_fields(const char *file, char *out, size_t len);

/* ---- waiting for healthy dependencies (waitdep.c) ---- */

/* 0 when a --wait-for value is well formed; else -1 with `why` saying what is expected. */
int waitdep_check(const char *spec, char *why, size_t why_len);
/* Waits, in order, until each --wait-for probe passes; exits EXIT_DEPTIMEOUT when the time runs out. */
void wait_for_dependencies(const struct options *o, struct logfile *lf);

/* ---- private files (private.c) ---- */

/* 0 when the directory holding `file` is ours (or root's) and not writable by others unless sticky. */
int private_dir_check(const char *file, char *why, size_t why_len);
/* 0 when `fd` is a regular file of ours, one link, that nobody else can write (read bits are tightened). */
int private_fd_check(int fd, const char *path, char *why, size_t why_len);
/*
 * open(path, flags | O_NOFOLLOW | O_CLOEXEC, 0600) after private_dir_check, then private_fd_check. -1 with
 * `why` set; *refused = 1 when the file or its directory was refused (not merely missing or unwritable).
 */
int open_private(const char *path, int flags, char *why, size_t why_len, int *refused);

/* ---- env files (envfile.c) ---- */

/*
 * Loads KEY=value lines from `path` into this process's environment (inherited by the child).
 * A missing file is fine (returns 0). Returns -1 after a refusal or a syntax error; `why` then holds a
 * message that names the path and the fix, never a value.
 */
int envfile_load(const char *path, char *why, size_t why_len);

#endif
