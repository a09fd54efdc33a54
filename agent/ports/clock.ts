/** Time, injected so that state machines and timers are tested without sleeping. */
export interface Clock {
  /** Wall-clock milliseconds since the epoch. */
  now(): number;
  /** Resolves after ms (a fake clock resolves when advanced). */
  sleep(ms: number): Promise<void>;
}
