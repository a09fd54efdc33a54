/** The agent's periodic full collection: gc() is obtained at run time, and called on the schedule. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exposeGc, startHeapTrim } from '../../agent/daemon/heap-trim.js';

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
    const scheduled: Array<{ fn: () => void; ms: number; unrefd: boolean; stopped: boolean }> = [];
    const every = (fn: () => void, ms: number) => {
      const t = {
        fn,
        ms,
        unrefd: false,
        stopped: false,
        unref() {
          t.unrefd = true;
        },
      };
      scheduled.push(t);
      return t;
    };
    const stop = startHeapTrim(1234, every, (t) => void ((t as (typeof scheduled)[number]).stopped = true));
    assert.equal(scheduled.length, 1);
    assert.equal(scheduled[0]!.ms, 1234);
    assert.equal(scheduled[0]!.unrefd, true);
    scheduled[0]!.fn(); // it is gc itself: runs without throwing
    stop();
    assert.equal(scheduled[0]!.stopped, true);
    startHeapTrim(0, every);
    assert.equal(scheduled.length, 1, 'no schedule for 0');
  });

  it('collects only when the heap grew by half a megabyte since the last collection', () => {
    let fn: () => void = () => undefined;
    let heap = 10_000_000;
    let collections = 0;
    startHeapTrim(
      1000,
      (f) => ((fn = f), {}),
      () => undefined,
      () => heap,
      () => {
        collections++;
        heap = 10_100_000; // what it freed
      },
    );
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
