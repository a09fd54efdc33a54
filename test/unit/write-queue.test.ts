/** The agent's write queue: order, retry on a locked database, coalescing, and after-commit hooks. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WriteQueue } from '../../agent/daemon/write-queue.js';
import { isStoreBusy } from '../../agent/core/errors.js';

const busy = (): Error => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });

/** A queue whose timer is a list the test fires by hand. */
function manual() {
  const timers: Array<{ fn: () => void; ms: number; live: boolean }> = [];
  const errors: string[] = [];
  const blocked: boolean[] = [];
  const q = new WriteQueue({
    isRetryable: isStoreBusy,
    retryMs: [10, 20, 40],
    schedule: (fn, ms) => {
      const t = { fn, ms, live: true };
      timers.push(t);
      return () => void (t.live = false);
    },
    onError: (err, label) => errors.push(`${label}: ${(err as Error).message}`),
    onBlocked: (b) => blocked.push(b),
  });
  const fire = (): number => {
    const t = timers.filter((x) => x.live).at(-1);
    assert.ok(t, 'a retry is scheduled');
    t.live = false;
    t.fn();
    return t.ms;
  };
  const live = () => timers.filter((x) => x.live).length;
  return { q, fire, live, errors, blocked };
}

describe('WriteQueue', () => {
  it('runs a job at once when nothing waits; a busy job waits, later jobs wait behind it, in order', () => {
    const { q, fire, live, blocked } = manual();
    const done: string[] = [];
    let locked = true;
    const write = (name: string) => () => {
      if (locked) throw busy();
      done.push(name);
    };
    locked = false;
    assert.equal(q.submit('a', write('a')), true);
    locked = true;
    assert.equal(q.submit('b', write('b')), false);
    locked = false;
    assert.equal(q.submit('c', write('c')), false, 'c waits behind b even though it could run');
    assert.deepEqual(done, ['a']);
    assert.equal(q.pending, 2);
    locked = true;
    assert.equal(fire(), 10);
    assert.equal(fire(), 20, 'the delay grows');
    locked = false;
    fire();
    assert.deepEqual(done, ['a', 'b', 'c']);
    assert.equal(q.pending, 0);
    assert.equal(live(), 0, 'nothing left to retry');
    assert.deepEqual(blocked, [true, false]);
  });

  it('a job with a key waits once; when it runs it sees the latest state', () => {
    const { q, fire } = manual();
    let locked = true;
    let state = 0;
    const stored: number[] = [];
    const job = () => {
      if (locked) throw busy();
      stored.push(state);
    };
    for (state = 1; state <= 3; state++) q.submit('tick', job, { key: 'tick' });
    state = 3;
    assert.equal(q.pending, 1);
    locked = false;
    fire();
    assert.deepEqual(stored, [3]);
  });

  it('afterCommit runs once the outermost job has landed, never for an attempt that failed', () => {
    const { q, fire } = manual();
    const published: string[] = [] as string[];
    let locked = true as boolean;
    q.submit('outer', () => {
      q.submit('inner', () => q.afterCommit(() => published.push('inner')));
      if (locked) throw busy(); // fails after the inner job ran: nothing of it may be published
      q.afterCommit(() => published.push('outer'));
    });
    assert.deepEqual([...published], []);
    locked = false;
    fire();
    assert.deepEqual([...published], ['inner', 'outer']);
    q.afterCommit(() => void published.push('outside'));
    assert.deepEqual(published, ['inner', 'outer', 'outside'], 'outside any job: at once');
  });

  it('any other error is thrown at once, or reported (and the job dropped) when it comes on a retry', () => {
    const { q, fire, errors } = manual();
    assert.throws(
      () =>
        q.submit('bad', () => {
          throw new Error('constraint');
        }),
      /constraint/,
    );
    assert.equal(q.pending, 0);
    let first = true;
    const done: string[] = [];
    q.submit('flaky', () => {
      if (first) {
        first = false;
        throw busy();
      }
      throw new Error('disk I/O error');
    });
    q.submit('next', () => done.push('next'));
    fire();
    assert.deepEqual(errors, ['flaky: disk I/O error']);
    assert.deepEqual(done, ['next'], 'the queue goes on past a job that failed for good');
  });

  it('flush reports whether everything landed; close stops the retries', () => {
    const { q, live } = manual();
    let locked = true;
    q.submit('a', () => {
      if (locked) throw busy();
    });
    assert.equal(q.flush(), false);
    locked = false;
    assert.equal(q.flush(), true);
    locked = true;
    q.submit('b', () => {
      if (locked) throw busy();
    });
    q.close();
    assert.equal(live(), 0);
    assert.equal(q.pending, 1);
  });
});
