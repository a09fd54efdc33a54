/** Feature slices (usage, credentials with rotation progress, alerts, settings), routes, session key, formatting. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeFetch, errorResponse, flush, json, makeStore } from '../helpers/ui-fakes.js';
import { stacksOf } from '../../renderer/src/store/usage-slice.js';
import { sortFiring } from '../../renderer/src/store/alerts-slice.js';
import { parseUsd } from '../../renderer/src/store/settings-slice.js';
import type { FiringAlert, VigilEvent } from '../../renderer/src/store/types.js';

const e = (over: Partial<VigilEvent>): VigilEvent => ({
  id: 1,
  key: 'k',
  at: 0,
  service: 'web',
  type: 'started',
  severity: 'info',
  message: '',
  ...over,
});

describe('features answer 404: "not available from this agent"', () => {
  test('usage, credentials, alerts, budget and resources each say so', async () => {
    const { store } = makeStore(new FakeFetch());
    const s = store.getState();
    await Promise.all([
      s.loadUsage(),
      s.loadCredentials(),
      s.loadAlerts(),
      s.loadSettings(),
      s.loadHistory('web', 3_600_000),
    ]);
    const st = store.getState();
    for (const a of [
      st.usageState,
      st.credentialsState,
      st.alertsState,
      st.budgetState,
      st.historyState.web!,
    ])
      assert.equal(a.kind, 'unavailable');
    assert.equal(st.resourcesAvailable, false);
    assert.equal(st.session.status, 'checking', 'a missing feature is not a sign-out');
  });

  test('other failures are errors, not "unavailable"', async () => {
    const f = new FakeFetch().on('GET /api/credentials', () =>
      errorResponse(409, 'E_CREDENTIAL_UNSAFE', 'credentials dir is group-readable'),
    );
    const { store } = makeStore(f);
    await store.getState().loadCredentials();
    assert.deepEqual(store.getState().credentialsState, {
      kind: 'error',
      message: 'credentials dir is group-readable',
    });
  });
});

const tokens = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, cacheWrite1h: 0, reasoning: 0 };
const totals = {
  entries: 0,
  requests: 0,
  tokens,
  costMicro: 0,
  costUsd: 0,
  reportedMicro: 0,
  unpricedRequests: 0,
  unpricedTokens: 0,
};
const report = (by: 'service' | 'model') => ({
  period: { kind: 'day', day: '2026-11-26', from: '', to: '' },
  by,
  timezone: 'UTC',
  rows: [],
  total: totals,
  unpricedModels: [],
});
const series = (range: string, by: string) => ({
  range,
  by,
  timezone: 'UTC',
  buckets: ['2026-11-25', '2026-11-26'],
  points: [
    { bucket: '2026-11-26', key: 'web', costMicro: 5, tokens: 1, requests: 1, unpricedRequests: 0 },
    { bucket: '2026-11-25', key: 'db', costMicro: 9, tokens: 1, requests: 1, unpricedRequests: 0 },
  ],
});
const budget = {
  configured: true,
  timezone: 'UTC',
  day: '2026-11-26',
  month: '2026-11',
  state: 'ok',
  thresholds: [80, 100],
  onExceed: 'stop',
  todayMicro: 14,
  todayUsd: 0.000014,
  monthMicro: 14,
  monthUsd: 0.000014,
  dailyUsd: 10,
  monthlyUsd: null,
  byService: [],
  scopes: [],
  stopped: [],
};

describe('usage', () => {
  test('loads the reports, series and budget through the contract; budget events reload it; resume', async () => {
    const f = new FakeFetch()
      .on('GET /api/usage', ({ url }) => json(report(url.searchParams.get('by') as 'service')))
      .on('GET /api/usage/series', ({ url }) =>
        json(series(url.searchParams.get('range')!, url.searchParams.get('by')!)),
      )
      .on('GET /api/budget', budget)
      .on('GET /api/status', { services: [] })
      .on('POST /api/budget/resume', ({ body }) =>
        json({ resumed: ['web'], raised: [], budget, echo: body }),
      );
    const { store, timers } = makeStore(f);
    await store.getState().loadUsage();
    const u = store.getState().usage!;
    assert.equal(u.byModel.by, 'model');
    assert.equal(u.days.model.by, 'model');
    assert.equal(u.hours.range, 'today');
    assert.equal(u.budget.dailyUsd, 10);
    const { keys, stacks } = stacksOf(u.days.service);
    assert.deepEqual(keys, ['db', 'web'], 'most expensive first');
    assert.deepEqual(
      stacks.map((x) => x.parts.map((p) => p.value)),
      [
        [9, 0],
        [0, 5],
      ],
      'every bucket, empty ones included',
    );
    store.getState().ingest([e({ id: 5, type: 'budget-threshold', service: null })]);
    store.getState().ingest([e({ id: 6, type: 'budget-stopped', service: 'web' })]);
    timers.run(100);
    await flush();
    assert.equal(f.count('GET /api/budget'), 2, 'reloaded once for both events');
    assert.equal(await store.getState().resumeBudget(5), true);
    assert.deepEqual(f.calls.find((c) => c.path === '/api/budget/resume')!.body, { addUsd: 5 });
    assert.match(store.getState().toasts.at(-1)!.text, /Resumed web/);
  });
});

describe('alerts and settings', () => {
  const firing = (key: string, over: Partial<FiringAlert>): FiringAlert => ({
    key,
    rule: 'service-down',
    service: null,
    severity: 'warning',
    since: '2026-01-01T00:00:00.000Z',
    message: key,
    notified: true,
    pending: false,
    ...over,
  });
  test('critical first, then newest', () => {
    const sorted = sortFiring([
      firing('warn', { since: '2026-01-01T00:00:01Z' }),
      firing('crit', { severity: 'critical' }),
      firing('warn-new', { since: '2026-01-01T00:00:05Z' }),
    ]);
    assert.deepEqual(
      sorted.map((x) => x.key),
      ['crit', 'warn-new', 'warn'],
    );
  });

  test('acknowledgements are kept by the browser, per firing episode, and forgotten when it ends', async () => {
    let doc = {
      firing: [firing('service-down:web', {})],
      quietNow: false,
      channels: ['desktop'],
      notifications: [],
    };
    const f = new FakeFetch().on('GET /api/alerts', () => json(doc));
    const m = new Map<string, string>();
    const storage = {
      getItem: (k: string) => m.get(k) ?? null,
      setItem: (k: string, v: string) => void m.set(k, v),
      removeItem: (k: string) => void m.delete(k),
    };
    const { store } = makeStore(f, { storage });
    await store.getState().loadAlerts();
    store.getState().acknowledge(store.getState().alertsDoc!.firing[0]!);
    assert.equal(store.getState().acknowledged.has('service-down:web@2026-01-01T00:00:00.000Z'), true);
    assert.match(m.get('vigil.acknowledged')!, /service-down:web/);
    const again = makeStore(f, { storage }).store;
    assert.equal(again.getState().acknowledged.size, 1, 'survives a reload');
    doc = { ...doc, firing: [firing('service-down:web', { since: '2026-01-02T00:00:00.000Z' })] };
    await store.getState().loadAlerts();
    assert.equal(store.getState().acknowledged.size, 0, 'a new episode is not acknowledged');
  });

  test('test notification', async () => {
    const f = new FakeFetch()
      .on('GET /api/alerts', { firing: [], quietNow: false, channels: [], notifications: [] })
      .on('POST /api/alerts/test', {
        notification: {
          id: 'n',
          kind: 'test',
          severity: 'info',
          title: 't',
          text: '',
          service: null,
          rule: null,
          alertKey: null,
          at: 0,
          status: 'done',
          deliveries: [
            {
              id: 1,
              notificationId: 'n',
              channel: 'slack',
              status: 'sent',
              attempts: 1,
              nextAt: null,
              lastError: null,
              createdAt: 0,
              updatedAt: 0,
            },
          ],
        },
      });
    const { store } = makeStore(f);
    assert.equal(await store.getState().testNotification(), true);
    assert.match(store.getState().toasts.at(-1)!.text, /slack/);
  });

  test('amounts of dollars', () => {
    assert.deepEqual(parseUsd('$12.50'), { ok: true, value: 12.5 });
    assert.equal(parseUsd('').ok, false);
    assert.equal(parseUsd('0').ok, false);
    assert.equal(parseUsd('12.345').ok, false);
    assert.equal(parseUsd('ten').ok, false);
  });

  test('start at login goes through the desktop bridge only', async () => {
    let on = false;
    const desktop = {
      platform: 'linux',
      getStartAtLogin: async () => on,
      setStartAtLogin: async (v: boolean) => (on = v),
    };
    const { store } = makeStore(new FakeFetch(), { desktop });
    await store.getState().loadSettings();
    await flush();
    assert.equal(store.getState().startAtLogin, false);
    await store.getState().setStartAtLogin(true);
    assert.equal(store.getState().startAtLogin, true);
    const plain = makeStore(new FakeFetch()).store;
    await plain.getState().loadSettings();
    assert.equal(plain.getState().startAtLogin, null);
  });
});
