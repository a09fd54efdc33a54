/** "Why it died": decodes how a process ended into one line a person understands. Pure. */
import type { ExitInfo } from '../events.js';
import { describeSignal, normalizeSignal } from '../signals.js';

/**
 * systemd's own exit statuses (systemd.exec(5) "PROCESS EXIT CODES"): the service never really ran. Only
 * for exits vigil-launch did not see end (it never ran): every service runs under it, and a code it
 * passes on is the program's own choice.
 */
const SYSTEMD_EXIT: Readonly<Record<number, string>> = {
  200: 'could not change to the working directory (systemd 200/CHDIR)',
  203: 'the program could not be executed: missing, not executable or bad interpreter (systemd 203/EXEC)',
  209: 'could not open its log file for stdout/stderr (systemd 209/STDOUT)',
  210: 'could not chroot (systemd 210/CHROOT)',
  217: 'could not switch user (systemd 217/USER)',
  226: 'could not set up its namespace (systemd 226/NAMESPACE)',
};

const SHELL_EXIT: Readonly<Record<number, string>> = {
  126: 'a command was found but is not executable (126)',
  127: 'a command was not found (127)',
};

export interface ExitFacts {
  /** Manager result: exit-code, signal, core-dump, oom-kill, timeout, watchdog, start-limit-hit, success. */
  result: string | null;
  how: 'exited' | 'killed' | 'dumped' | 'unknown';
  code: number | null;
  signal: string | null;
  /** What vigil-launch said about this exit (from its exit record), when it ran. */
  launcher?: { ran: true; execError: string | null } | undefined;
}

/** execvp's errors as strerror(3) says them (the launcher records the name: numbers differ by OS). */
const EXEC_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  ENOEXEC: 'Exec format error',
  ENOTDIR: 'Not a directory',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
  E2BIG: 'Argument list too long',
  ENOMEM: 'Cannot allocate memory',
  ETXTBSY: 'Text file busy',
  EISDIR: 'Is a directory',
  EPERM: 'Operation not permitted',
  EIO: 'Input/output error',
  EMFILE: 'Too many open files',
  ENFILE: 'Too many open files in system',
  EINVAL: 'Invalid argument',
  EFAULT: 'Bad address',
};

export function execErrorText(name: string): string {
  return EXEC_ERRORS[name] ?? (/^\d+$/.test(name) ? `error ${name}` : name);
}

/**
 * `program`: the service's command[0], named in "could not execute …" when the launcher could not
 * execute it.
 */
export function decodeExit(f: ExitFacts, program?: string): ExitInfo {
  const signal = f.signal ? normalizeSignal(f.signal) : null;
  const base = { code: f.how === 'exited' ? f.code : null, signal, result: f.result };
  switch (f.result) {
    case 'oom-kill':
      return { ...base, reason: 'killed by the out-of-memory killer: it went over its memory limit' };
    case 'memory-limit':
      return { ...base, reason: 'went over its memory limit; Vigil ended it (agent-enforced limit)' };
    case 'timeout':
      return { ...base, reason: 'did not start or stop in time (timeout)' };
    case 'watchdog':
      return { ...base, reason: 'stopped answering the watchdog' };
    case 'start-limit-hit':
      return { ...base, reason: 'restarted too often and was given up on (start limit hit)' };
    default:
      break;
  }
  if (f.how === 'exited' && f.code !== null) {
    if (f.launcher?.execError) {
      return {
        ...base,
        reason: `could not execute ${program ?? 'the program'}: ${execErrorText(f.launcher.execError)}`,
      };
    }
    if (f.launcher?.ran) return { ...base, reason: `exited with code ${f.code}` };
    const known = SYSTEMD_EXIT[f.code] ?? SHELL_EXIT[f.code];
    return { ...base, reason: known ?? `exited with code ${f.code}` };
  }
  if (f.how === 'dumped' && signal) return { ...base, reason: `${describeSignal(signal)}, core dumped` };
  if (signal) return { ...base, reason: describeSignal(signal) };
  return { ...base, reason: f.result && f.result !== 'success' ? `ended: ${f.result}` : 'ended' };
}

/** Whether an exit counts as a failure (a crash) rather than a requested stop or clean exit. */
export function isFailure(f: ExitFacts): boolean {
  if (f.result !== null && f.result !== 'success') return true;
  return f.how === 'exited' ? f.code !== 0 && f.code !== null : f.how === 'dumped';
}
