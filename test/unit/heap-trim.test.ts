/** The agent's periodic full collection: gc() is obtained at run time, and called on the schedule. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  TRIM_AFTER_ENTRIES,
  TRIM_AT_MOST_EVERY_MS,
  exposeGc,
  startHeapTrim,
} from '../../agent/daemon/heap-trim.js';

interface FakeTimer {
  fn: () => void;
  ms: number;
  unrefd: boolean;
  stopped: boolean;
  unref(): void;
}
function timers(): { list: FakeTimer[]; make: (fn: () => void, ms: number) => FakeTimer } {
  const list: FakeTimer[] = [];
  return {
    list,
    make(fn, ms) {
      const t: FakeTimer = {
        fn,
        ms,
        unrefd: false,
        stopped: false,
        unref() {
          t.unrefd = true;
        },
      };
      list.push(t);
      return t;
    },
  };
}

describe('heap trim', () => {
  it('exposes a gc() that really collects (a dropped object behind a WeakRef is gone after it)', async () => {
    const gc = exposeGc();
    assert.equal(typeof gc, 'function');
    const ref = ((): WeakRef<object> => new WeakRef({ big: new Array(1000).fill(0) }))();
    await new Promise((r) => setImmediate(r)); // a WeakRef keeps its target alive until the current job ends
    gc!();
    assert.equal(ref.deref(), undefined);
  });

  it('collects on its schedule, unref’d, until stopped; 0 means never', () => {
    const every = timers();
    const trim = startHeapTrim(1234, {
      every: every.make,
      stop: (t) => void ((t as FakeTimer).stopped = true),
    });
    assert.equal(every.list.length, 1);
    assert.equal(every.list[0]!.ms, 1234);
    assert.equal(every.list[0]!.unrefd, true);
    every.list[0]!.fn(); // it is gc itself: runs without throwing
    trim.stop();
    assert.equal(every.list[0]!.stopped, true);
    startHeapTrim(0, { every: every.make });
    assert.equal(every.list.length, 1, 'no schedule for 0');
  });

  it('collects once TRIM_AFTER_ENTRIES have been stored, after the work yields, at most every TRIM_AT_MOST_EVERY_MS', () => {
    const later = timers();
    let clock = 10_000;
    let collections = 0;
    const trim = startHeapTrim(0, {
      later: later.make,
      stop: (t) => void ((t as FakeTimer).stopped = true),
      now: () => clock,
      gc: () => void collections++,
    });
    trim.worked(TRIM_AFTER_ENTRIES - 1);
    assert.equal(later.list.length, 0, 'not yet');
    trim.worked(1);
    assert.equal(later.list.length, 1);
    assert.equal(later.list[0]!.ms, 0, 'at once: none before');
    assert.equal(later.list[0]!.unrefd, true);
    assert.equal(collections, 0, 'not inside the work that stored them');
    trim.worked(5 * TRIM_AFTER_ENTRIES);
    assert.equal(later.list.length, 1, 'one collection pending at a time');
    later.list[0]!.fn();
    assert.equal(collections, 1);
    // The count starts again; the next collection waits for the minimum interval.
    const waited = Math.floor(TRIM_AT_MOST_EVERY_MS / 2);
    clock += waited;
    trim.worked(TRIM_AFTER_ENTRIES - 1);
    assert.equal(later.list.length, 1, 'counted from the last collection');
    trim.worked(1);
    assert.equal(later.list.length, 2);
    assert.equal(later.list[1]!.ms, TRIM_AT_MOST_EVERY_MS - waited);
    trim.stop();
    assert.equal(later.list[1]!.stopped, true);
    later.list[1]!.fn();
    assert.equal(collections, 1, 'none after stop');
  });

  it('does nothing without a gc() from the runtime', () => {
    const later = timers();
    const trim = startHeapTrim(1000, { every: later.make, later: later.make, gc: null });
    trim.worked(10 * TRIM_AFTER_ENTRIES);
    assert.equal(later.list.length, 0);
  });

  it('collects only when the heap grew by half a megabyte since the last collection', () => {
    let fn: () => void = () => undefined;
    let heap = 10_000_000;
    let collections = 0;
    startHeapTrim(1000, {
      every: (f) => ((fn = f), {}),
      stop: () => undefined,
      used: () => heap,
      gc: () => {
        collections++;
        heap = 10_100_000; // what it freed
      },
    });
    fn();
    assert.equal(collections, 0, 'an unchanged heap is not collected');
    heap += 400_000;
    fn();
    assert.equal(collections, 0);
    heap = 10_700_000;
    fn();
    assert.equal(collections, 1);
    fn();
    assert.equal(collections, 1, 'measured again after the collection');
    heap = 10_700_000;
    fn();
    assert.equal(collections, 2);
  });
});
