/** Events read a page at a time: together exactly what queryEvents returns, whatever the filters. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SqliteStore } from '../../agent/adapters/sqlite/sqlite-store.js';
import { eventPages } from '../../agent/adapters/sqlite/event-pages.js';
import type { NewEvent } from '../../agent/core/events.js';
import type { EventQuery } from '../../agent/ports/store.js';
import { tempDbPath } from '../helpers/temp-db.js';
import { agentRoutes } from '../../agent/daemon/agent-routes.js';
import type { AgentRuntime } from '../../agent/daemon/module.js';
import type { Store } from '../../agent/ports/store.js';
import { vigilPaths } from '../../agent/core/paths.js';

const T0 = Date.UTC(2026, 11, 2);

function ev(i: number): NewEvent {
  // Several events share a time (ties are ordered by id), services and types alternate.
  return {
    key: `k${i}`,
    at: T0 + Math.floor(i / 3) * 1000,
    service: i % 2 ? 'a' : 'b',
    type: i % 3 ? 'crashed' : 'started',
    severity: 'info',
    message: `m${i}`,
    logTail: [`line ${i}`],
  };
}

describe('eventPages', () => {
  it('pages add up to queryEvents for every filter and limit', () => {
    const store = SqliteStore.open(tempDbPath());
    store.appendEvents(Array.from({ length: 25 }, (_, i) => ev(i)));
    const queries: EventQuery[] = [
      {},
      { limit: 0 },
      { limit: 1 },
      { limit: 7 },
      { limit: 25 },
      { limit: 100 },
      { service: 'a', limit: 5 },
      { types: ['crashed'], limit: 9 },
      { since: T0 + 4000, limit: 50 },
      { afterId: 10, limit: 4 },
      { service: 'b', types: ['started'], since: T0 + 2000 },
    ];
    for (const q of queries) {
      const pages = [...eventPages(store.db, q, 3)];
      assert.ok(
        pages.every((p) => p.length > 0 && p.length <= 3),
        `page sizes for ${JSON.stringify(q)}`,
      );
      assert.deepEqual(pages.flat(), store.queryEvents(q), JSON.stringify(q));
    }
    store.close();
  });

  it('events stored while a reply is being read are not added to it', () => {
    const store = SqliteStore.open(tempDbPath());
    store.appendEvents(Array.from({ length: 10 }, (_, i) => ev(i)));
    const expected = store.queryEvents({ limit: 100 });
    const got = [];
    for (const page of eventPages(store.db, { limit: 100 }, 4)) {
      got.push(...page);
      store.appendEvents([ev(100 + got.length)]);
    }
    assert.deepEqual(got, expected);
    store.close();
  });

  it("the store offers its pages through the Store port, and the agent's route table answers GET /api/events with them", () => {
    const store = SqliteStore.open(tempDbPath());
    store.appendEvents(Array.from({ length: 450 }, (_, i) => ev(i)));
    const q: EventQuery = { limit: 450 };
    const viaPort = [...store.eventPages(q)];
    assert.deepEqual(
      viaPort.map((p) => p.length),
      [200, 200, 50],
    );
    assert.deepEqual(viaPort.flat(), store.queryEvents(q));
    const runtime = (s: Store) =>
      ({
        store: s,
        ctx: { paths: vigilPaths({ VIGIL_HOME: '/nonexistent/vh' }) },
        clock: { now: () => T0 },
      }) as unknown as AgentRuntime;
    const table = agentRoutes({ services: runtime(store), modules: [], startedAt: T0 });
    assert.ok(table.eventPages, 'a store that pages: the route writes its reply a page at a time');
    assert.deepEqual([...table.eventPages(q)].flat(), store.queryEvents(q));
    // A store that cannot page: no pages, the server answers from the events handler, whole.
    const plain = agentRoutes({
      services: runtime({ queryEvents: (x: EventQuery) => store.queryEvents(x) } as unknown as Store),
      modules: [],
      startedAt: T0,
    });
    assert.equal(plain.eventPages, undefined);
    store.close();
  });
});
