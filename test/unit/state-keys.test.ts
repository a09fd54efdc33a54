/**
 * Typed state keys (agent/ports/state-keys.ts): through the Store port a key outside the map, or a value
 * of the wrong type, does not typecheck (the @ts-expect-error lines fail `tsc` when that stops being
 * true), and template-literal keys round-trip through the SQLite store.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SqliteStore } from '../../agent/adapters/sqlite/sqlite-store.js';
import type { Store } from '../../agent/ports/store.js';
import { intentKey } from '../../agent/core/intent.js';
import { countersKey, cursorKey } from '../../agent/app/usage/ingest.js';
import { tempDbPath } from '../helpers/temp-db.js';

/** Never called: only typechecked. */
export function typeChecks(store: Store): void {
  // @ts-expect-error a key that is not in StateKeys
  store.getState('no.such.key');
  // @ts-expect-error disk.probe holds a number
  store.setState('disk.probe', 'soon');
  // @ts-expect-error an intent is not a number
  const n: number | undefined = store.getState(intentKey('web'));
  // @ts-expect-error usage counters are per source: metrics or litellm
  store.getState('usage.counters.web.other');
  void n;
}

test('template-literal keys through the Store port: written, read back typed, deleted with undefined', () => {
  const store: Store = SqliteStore.open(tempDbPath());
  try {
    store.setState(intentKey('web'), { action: 'stop', at: 5 });
    assert.equal(store.getState(intentKey('web'))?.action, 'stop');
    store.setState(cursorKey('web'), {
      path: '/l/web.log',
      cursor: { ino: 1, offset: 10, fileId: '1-a', partial: false },
    });
    assert.equal(store.getState(cursorKey('web'))?.path, '/l/web.log');
    assert.equal(store.getState(countersKey('web', 'metrics')), undefined);
    store.setState(intentKey('web'), undefined);
    assert.equal(store.getState(intentKey('web')), undefined);
    store.setState('disk.probe', 42);
    assert.equal(store.getState('disk.probe'), 42);
  } finally {
    store.close();
  }
});
