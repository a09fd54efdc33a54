/**
 * macOS (BSD) signal numbers. They differ from Linux's beyond the first few: 10 is SIGBUS (SIGUSR1 on
 * Linux), 12 SIGSYS, 30/31 SIGUSR1/SIGUSR2 (<sys/signal.h> on Darwin). launchd reports numbers
 * (`launchctl list` status -10, `last terminating signal = Bus error: 10`), so they are named here.
 */
const DARWIN: readonly string[] = [
  '',
  'SIGHUP',
  'SIGINT',
  'SIGQUIT',
  'SIGILL',
  'SIGTRAP',
  'SIGABRT',
  'SIGEMT',
  'SIGFPE',
  'SIGKILL',
  'SIGBUS',
  'SIGSEGV',
  'SIGSYS',
  'SIGPIPE',
  'SIGALRM',
  'SIGTERM',
  'SIGURG',
  'SIGSTOP',
  'SIGTSTP',
  'SIGCONT',
  'SIGCHLD',
  'SIGTTIN',
  'SIGTTOU',
  'SIGIO',
  'SIGXCPU',
  'SIGXFSZ',
  'SIGVTALRM',
  'SIGPROF',
  'SIGWINCH',
  'SIGINFO',
  'SIGUSR1',
  'SIGUSR2',
];

export function darwinSignalName(num: number): string {
  return DARWIN[num] || `SIG${num}`;
}
