/** A Clock whose sleep returns at once and moves time forward by the amount slept (retry loops, no waiting). */
import type { Clock } from '../../agent/ports/clock.js';

export class StepClock implements Clock {
  readonly slept: number[] = [];
  constructor(private time = Date.UTC(2025, 0, 1)) {}
  now(): number {
    return this.time;
  }
  async sleep(ms: number): Promise<void> {
    this.slept.push(ms);
    this.time += ms;
  }
  advance(ms: number): void {
    this.time += ms;
  }
}
