/** The usage reads before any database exists (`vigil usage`, `vigil budget status` without an agent). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NO_USAGE_DATABASE, budgetStatus, usageReport, usageSeries } from '../../agent/app/usage/query.js';

const NOW = Date.UTC(2026, 11, 3, 12);

describe('NO_USAGE_DATABASE', () => {
  it('reads as no usage and no budget, through the same functions the agent answers with', () => {
    const r = usageReport(NO_USAGE_DATABASE, { day: '2026-12-03' }, NOW);
    assert.deepEqual(r.rows, []);
    assert.equal(r.total.requests, 0);
    assert.equal(r.total.costUsd, 0);
    assert.deepEqual(r.unpricedModels, []);
    assert.equal(r.period.kind, 'day');
    const s = usageSeries(NO_USAGE_DATABASE, { range: 'today' }, NOW);
    assert.equal(s.buckets.length, 24);
    assert.deepEqual(s.points, []);
    const b = budgetStatus(NO_USAGE_DATABASE, NOW);
    assert.equal(b.configured, false);
    assert.equal(b.todayMicro, 0);
    assert.equal(b.monthMicro, 0);
  });

  it('refuses every write: nothing can be stored where there is no database', () => {
    assert.throws(() => NO_USAGE_DATABASE.store.setState('usage.settings', undefined), { code: 'E_STORE' });
    assert.throws(() => NO_USAGE_DATABASE.store.appendEvents([]), { code: 'E_STORE' });
  });
});
