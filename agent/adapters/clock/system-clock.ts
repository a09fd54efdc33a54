/** The real Clock: wall time and timers. */
import { setTimeout as delay } from 'node:timers/promises';
import type { Clock } from '../../ports/clock.js';

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms: number) => delay(Math.max(0, ms)),
};
