/** The usage and budget routes through the real API server and client: queries, bodies, errors. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient } from '../../agent/api/client.js';
import { VigilError } from '../../agent/core/errors.js';
import { raw, startFixture, type Fixture } from '../helpers/api-fixture.js';
import { FakeUsage } from '../helpers/api-fakes.js';

describe('usage API', () => {
  let f: Fixture<FakeUsage>;
  let client: ApiClient;
  before(async () => {
    f = await startFixture({ handlers: new FakeUsage() });
    client = new ApiClient({ socketPath: f.socketPath });
  });
  after(() => f.close());

  it('passes the day/month/by and range queries through, typed', async () => {
    const r = await client.call('usage', {}, { day: '2026-11-20', by: 'model' });
    assert.equal(r.period.kind, 'day');
    assert.equal(r.rows[0]!.costMicro, 4500);
    await client.call('usage', {}, { month: '2026-11' });
    const s = await client.call('usageSeries', {}, { range: '30d', by: 'service' });
    assert.equal(s.range, '30d');
    assert.deepEqual(f.handlers.usageCalls.slice(0, 3), [
      ['usage', { day: '2026-11-20', by: 'model' }],
      ['usage', { month: '2026-11' }],
      ['usageSeries', { range: '30d', by: 'service' }],
    ]);
    assert.equal((await client.call('budget', {})).dailyUsd, 10);
  });

  it('refuses malformed queries with 400 E_USAGE', async () => {
    for (const path of [
      '/api/usage?day=26-11-2026',
      '/api/usage?day=2026-11-26&month=2026-11',
      '/api/usage?by=team',
      '/api/usage?week=1',
      '/api/usage/series?range=7d',
    ]) {
      const res = await raw({ socketPath: f.socketPath }, { path, headers: { host: 'localhost' } });
      assert.equal(res.status, 400, path);
      assert.equal((res.json as { error: { code: string } }).error.code, 'E_USAGE');
    }
  });

  it('validates the resume body: amount above 0, known keys only', async () => {
    const ok = await client.call('budgetResume', {}, undefined, { addUsd: 5, services: ['web'] });
    assert.deepEqual(ok.resumed, ['web']);
    assert.deepEqual(f.handlers.usageCalls.at(-1), ['budgetResume', { addUsd: 5, services: ['web'] }]);
    const empty = await client.call('budgetResume', {});
    assert.deepEqual(empty.resumed, []);
    for (const body of [{ addUsd: -1 }, { addUsd: 'five' }, { add: 5 }, { services: 'web' }]) {
      await assert.rejects(
        client.call('budgetResume', {}, undefined, body as never),
        (err: unknown) => err instanceof VigilError && err.code === 'E_USAGE',
        JSON.stringify(body),
      );
    }
  });
});
