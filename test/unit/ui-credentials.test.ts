/** The credentials slice: validation, rotation with live progress and its outcome, add/remove keys. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeFetch, flush, json, makeStore } from '../helpers/ui-fakes.js';
import { credentialProblem, rotationStep } from '../../renderer/src/store/credentials-slice.js';
import type { VigilEvent } from '../../renderer/src/store/types.js';

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

describe('credentials', () => {
  test('key names and values are validated before anything is sent', () => {
    assert.equal(credentialProblem('OPENAI_API_KEY', 'sk-123'), null);
    assert.match(credentialProblem('openai', 'x')!, /upper-case/);
    assert.match(credentialProblem('1KEY', 'x')!, /upper-case/);
    assert.match(credentialProblem('KEY', '')!, /Enter/);
    assert.match(credentialProblem('KEY', 'a\nb')!, /line break/);
    assert.match(credentialProblem('KEY', ' sk ')!, /whitespace/);
  });

  test('rotation: live progress from credential-rotation events, outcome from the response; the value is not kept', async () => {
    let release!: (r: Response) => void;
    const f = new FakeFetch()
      .on('GET /api/credentials', { dir: '/x', sets: [] })
      .on('POST /api/credentials/openai/rotate', () => new Promise<Response>((r) => (release = r)));
    const { store } = makeStore(f);
    const done = store.getState().rotate('openai', 'OPENAI_API_KEY', 'sk-new-value-123456');
    await flush();
    const step = (
      id: number,
      phase: string,
      message: string,
      service: string | null = null,
      extra: Record<string, unknown> = {},
      rotationId = 'r1',
    ) =>
      store.getState().ingest([
        e({
          id,
          type: 'credential-rotation',
          service,
          message,
          data: { rotationId, set: 'openai', keys: ['OPENAI_API_KEY'], phase, ...extra },
        }),
      ]);
    step(1, 'started', 'new version written', null, { services: ['web'] });
    step(2, 'restarting', 'restarting web on the new openai credentials', 'web');
    step(3, 'started', 'another rotation', null, {}, 'r2');
    step(4, 'unhealthy', 'web is not healthy: not healthy within 30 s (last: HTTP 401)', 'web');
    step(5, 'rolling-back', 'web failed on the new credentials', 'web');
    step(6, 'healthy', 'web on the previous credentials: healthy', 'web', { rollback: true });
    const live = store.getState().rotation!;
    assert.equal(live.done, false);
    assert.deepEqual(
      live.steps.map((x) => x.kind),
      ['written', 'restarting', 'unhealthy', 'rolling-back', 'healthy'],
      "live progress; another rotation's events are ignored",
    );
    assert.deepEqual(live.steps[2], {
      kind: 'unhealthy',
      service: 'web',
      reason: 'not healthy within 30 s (last: HTTP 401)',
      rollback: false,
    });
    release(
      json({
        id: 'r1',
        set: 'openai',
        keys: ['OPENAI_API_KEY'],
        outcome: 'rolled-back',
        services: ['web'],
        checks: [{ service: 'web', healthy: false, reason: 'HTTP 401', ms: 1 }],
        failed: { service: 'web', reason: 'HTTP 401', logTail: ['401 Unauthorized'] },
        rollback: [{ service: 'web', healthy: true, reason: 'healthy', ms: 1 }],
        startedAt: '',
        durationMs: 1,
      }),
    );
    assert.equal(await done, false);
    step(7, 'rolled-back', 'late event after the answer', 'web', { outcome: 'rolled-back' });
    const r = store.getState().rotation!;
    assert.deepEqual([r.done, r.ok, r.rotationId], [true, false, 'r1']);
    assert.deepEqual(
      r.steps.map((x) => x.kind),
      ['written', 'restarting', 'unhealthy', 'rolling-back', 'healthy', 'rolled-back'],
      'the answer tells the whole story; late events add nothing',
    );
    assert.deepEqual(r.steps.at(-1), { kind: 'rolled-back', reason: 'web: HTTP 401' });
    assert.deepEqual(r.logTail, ['401 Unauthorized']);
    const sent = f.calls.find((c) => c.path.endsWith('/rotate'))!;
    assert.deepEqual(sent.body, { values: { OPENAI_API_KEY: 'sk-new-value-123456' }, actor: 'ui' });
    assert.equal(
      JSON.stringify(store.getState()).includes('sk-new-value-123456'),
      false,
      'the value is not kept in the store',
    );
  });

  test('a successful rotation without events still ends as succeeded; add and remove keys', async () => {
    const f = new FakeFetch()
      .on('GET /api/credentials', { dir: '/x', sets: [] })
      .on('POST /api/credentials/a/rotate', {
        id: 'r',
        set: 'a',
        keys: ['K'],
        outcome: 'succeeded',
        services: [],
        checks: [],
        failed: null,
        rollback: null,
        startedAt: '',
        durationMs: 1,
      })
      .on('PUT /api/credentials/a/keys/K', {})
      .on('DELETE /api/credentials/a/keys/K', {});
    const { store } = makeStore(f);
    assert.equal(await store.getState().rotate('a', 'K', 'v', 10), true);
    assert.deepEqual(store.getState().rotation!.steps, [
      { kind: 'written', services: [] },
      { kind: 'succeeded' },
    ]);
    assert.deepEqual(f.calls.find((c) => c.path.endsWith('/rotate'))!.body, {
      values: { K: 'v' },
      actor: 'ui',
      timeoutSec: 10,
    });
    assert.equal(await store.getState().setCredential('a', 'K', 'v'), true);
    assert.deepEqual(f.calls.find((c) => c.method === 'PUT')!.body, { value: 'v', actor: 'ui' });
    assert.equal(await store.getState().removeCredential('a', 'K'), true);
    assert.equal(f.count('GET /api/credentials'), 3);
  });

  test('rotation steps come only from credential-rotation events', () => {
    assert.deepEqual(rotationStep(e({ type: 'credential-rotation', data: { phase: 'succeeded' } })), {
      kind: 'succeeded',
    });
    assert.equal(rotationStep(e({ type: 'started', data: { phase: 'succeeded' } })), null);
    assert.equal(rotationStep(e({ type: 'credential-rotation', data: { phase: 'weird' } })), null);
  });
});
