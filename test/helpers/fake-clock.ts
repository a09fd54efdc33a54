/**
 * A Clock for tests: time moves only when the test says so. `sleep` resolves when `advance`/`set`
 * carry time to (or past) its deadline; due sleepers wake in deadline order (ties: first come, first
 * served), and `now()` reads each one's deadline when it wakes, so a loop that sleeps again is woken
 * again within the same advance. Await `advance` and `set`: they let woken code run between timers.
 */
import type { Clock } from '../../agent/ports/clock.js';

interface Sleeper {
  deadline: number;
  seq: number;
  wake: () => void;
}

export class FakeClock implements Clock {
  private time: number;
  private seq = 0;
  private sleepers: Sleeper[] = [];

  constructor(start = Date.UTC(2025, 0, 1)) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.sleepers.push({ deadline: this.time + ms, seq: this.seq++, wake: resolve });
      this.sleepers.sort((a, b) => a.deadline - b.deadline || a.seq - b.seq);
    });
  }

  /** Sleepers not yet woken. */
  get pending(): number {
    return this.sleepers.length;
  }

  /** Moves time forward by ms, waking every sleeper whose deadline is reached, in deadline order. */
  async advance(ms: number): Promise<void> {
    if (ms < 0) throw new RangeError('FakeClock.advance: time does not go backwards (use set)');
    const target = this.time + ms;
    for (let next = this.sleepers[0]; next && next.deadline <= target; next = this.sleepers[0]) {
      this.sleepers.shift();
      this.time = next.deadline;
      next.wake();
      await settle();
    }
    this.time = target;
  }

  /** Sets the time: forwards like advance; backwards just moves the clock (sleepers keep their deadlines). */
  async set(ms: number): Promise<void> {
    if (ms >= this.time) return this.advance(ms - this.time);
    this.time = ms;
  }
}

/** Lets promise continuations (and anything they schedule with setImmediate) run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
