import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../helpers/fake-clock.js';
import { systemClock } from '../../agent/adapters/clock/system-clock.js';

test('sleepers wake in deadline order, each seeing its own deadline as now()', async () => {
  const clock = new FakeClock(1000);
  const woke: [string, number][] = [];
  const nap = (name: string, ms: number) => clock.sleep(ms).then(() => woke.push([name, clock.now()]));
  void nap('c', 300);
  void nap('a', 100);
  void nap('b', 200);
  void nap('b2', 200);
  await clock.advance(150);
  assert.deepEqual(woke, [['a', 1100]]);
  assert.equal(clock.now(), 1150);
  assert.equal(clock.pending, 3);
  await clock.advance(1000);
  assert.deepEqual(woke, [
    ['a', 1100],
    ['b', 1200],
    ['b2', 1200],
    ['c', 1300],
  ]);
  assert.equal(clock.now(), 2150);
  assert.equal(clock.pending, 0);
});

test('a loop that sleeps again is woken again within one advance', async () => {
  const clock = new FakeClock(0);
  const ticks: number[] = [];
  let stop = false;
  const loop = (async () => {
    while (!stop) {
      await clock.sleep(1000);
      ticks.push(clock.now());
    }
  })();
  await clock.advance(3500);
  assert.deepEqual(ticks, [1000, 2000, 3000]);
  stop = true;
  await clock.advance(500);
  await loop;
  assert.deepEqual(ticks, [1000, 2000, 3000, 4000]);
});

test('set moves time to an absolute instant; sleep(0) resolves at once', async () => {
  const clock = new FakeClock(0);
  let woke = false;
  void clock.sleep(50).then(() => (woke = true));
  await clock.set(10);
  assert.equal(woke, false);
  await clock.set(5); // backwards: the sleeper keeps its deadline (50)
  assert.equal(clock.now(), 5);
  await clock.set(50);
  assert.equal(woke, true);
  await clock.sleep(0);
  await assert.rejects(clock.advance(-1), RangeError);
});

test('systemClock tells the time and sleeps', async () => {
  const before = Date.now();
  assert.ok(Math.abs(systemClock.now() - before) < 1000);
  const t0 = performance.now();
  await systemClock.sleep(20);
  assert.ok(performance.now() - t0 >= 15);
});
