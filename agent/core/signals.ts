/** Signal numbers and names (Linux numbering; macOS differs only above 15 and in names we do not decode). */
const LINUX_SIGNALS: Readonly<Record<number, string>> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  3: 'SIGQUIT',
  4: 'SIGILL',
  5: 'SIGTRAP',
  6: 'SIGABRT',
  7: 'SIGBUS',
  8: 'SIGFPE',
  9: 'SIGKILL',
  10: 'SIGUSR1',
  11: 'SIGSEGV',
  12: 'SIGUSR2',
  13: 'SIGPIPE',
  14: 'SIGALRM',
  15: 'SIGTERM',
  16: 'SIGSTKFLT',
  17: 'SIGCHLD',
  18: 'SIGCONT',
  19: 'SIGSTOP',
  20: 'SIGTSTP',
  21: 'SIGTTIN',
  22: 'SIGTTOU',
  23: 'SIGURG',
  24: 'SIGXCPU',
  25: 'SIGXFSZ',
  26: 'SIGVTALRM',
  27: 'SIGPROF',
  28: 'SIGWINCH',
  29: 'SIGIO',
  30: 'SIGPWR',
  31: 'SIGSYS',
};

export function signalName(num: number): string {
  return LINUX_SIGNALS[num] ?? `SIG${num}`;
}

/** Accepts "KILL", "SIGKILL" or "9" and returns the canonical "SIGKILL" form. */
export function normalizeSignal(raw: string): string {
  const s = raw.trim();
  if (/^\d+$/.test(s)) return signalName(Number(s));
  const upper = s.toUpperCase();
  return upper.startsWith('SIG') ? upper : `SIG${upper}`;
}

const SIGNAL_MEANING: Readonly<Record<string, string>> = {
  SIGKILL: 'killed (SIGKILL: kill -9 or the out-of-memory killer)',
  SIGSEGV: 'crashed with a segmentation fault (SIGSEGV)',
  SIGABRT: 'aborted (SIGABRT: assertion or abort())',
  SIGTERM: 'terminated (SIGTERM)',
  SIGINT: 'interrupted (SIGINT)',
  SIGBUS: 'crashed with a bus error (SIGBUS)',
  SIGILL: 'crashed on an illegal instruction (SIGILL)',
  SIGFPE: 'crashed on an arithmetic error (SIGFPE)',
  SIGPIPE: 'wrote to a closed pipe (SIGPIPE)',
  SIGHUP: 'hung up (SIGHUP)',
};

export function describeSignal(name: string): string {
  return SIGNAL_MEANING[name] ?? `killed by ${name}`;
}
