/** The credential routes over the real API server: bodies validated, who is asking, and values never coming back out. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ApiClient } from '../../agent/api/client.js';
import { actorOf } from '../../agent/api/contract.js';
import { SqliteStore } from '../../agent/adapters/sqlite/sqlite-store.js';
import { CredentialRuntime } from '../../agent/daemon/credentials.js';
import { FsCredentialStore } from '../../agent/adapters/credentials/fs-store.js';
import { credentialRoutes } from '../../agent/daemon/credential-routes.js';
import type { AgentRuntime } from '../../agent/daemon/module.js';
import { vigilPaths } from '../../agent/core/paths.js';
import type { VigilError } from '../../agent/core/errors.js';
import { TOKEN, hostHeaders, raw, startFixture, type Fixture } from '../helpers/api-fixture.js';
import { FakeCredentials } from '../helpers/api-fakes.js';
import { FakeClock } from '../helpers/fake-clock.js';

const CANARY = 'sk-canary-7f3a9c1e5b2d4f60-ZZZZ';

describe('credential routes (fake handlers): bodies and actors', () => {
  let f: Fixture<FakeCredentials>;
  let api: ApiClient;
  before(async () => {
    f = await startFixture({ handlers: new FakeCredentials() });
    api = new ApiClient({ socketPath: f.socketPath });
  });
  after(() => f.close());

  it('PUT carries the value in the body only; the actor is the transport, not the body', async () => {
    await api.call('credentialSet', { set: 'llm', key: 'API_KEY' }, undefined, {
      value: CANARY,
      actor: 'ui',
    });
    await api.call('credentialSet', { set: 'llm', key: 'API_KEY' }, undefined, { value: CANARY });
    const viaBearer = await raw(
      { port: f.port },
      {
        method: 'PUT',
        path: '/api/credentials/llm/keys/API_KEY',
        headers: {
          ...hostHeaders(f.port),
          authorization: `Bearer ${TOKEN}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ value: CANARY, actor: 'cli' }),
      },
    );
    assert.equal(viaBearer.status, 200, viaBearer.text);
    assert.deepEqual(f.handlers.credentialCalls.slice(-3), [
      ['set', 'llm', 'API_KEY', CANARY, 'cli'],
      ['set', 'llm', 'API_KEY', CANARY, 'cli'],
      ['set', 'llm', 'API_KEY', CANARY, 'api'],
    ]);
  });

  it('malformed bodies are 400 and the message never quotes the input', async () => {
    const bad = [
      { method: 'PUT', path: '/api/credentials/llm/keys/K', body: { value: 42 } },
      { method: 'PUT', path: '/api/credentials/llm/keys/K', body: { value: CANARY, extra: CANARY } },
      { method: 'PUT', path: '/api/credentials/llm/keys/K', body: { value: CANARY, actor: CANARY } },
      { method: 'POST', path: '/api/credentials/llm/rotate', body: { values: { K: 7 } } },
      {
        method: 'POST',
        path: '/api/credentials/llm/rotate',
        body: { values: { K: CANARY }, timeoutSec: -1 },
      },
    ];
    for (const b of bad) {
      const r = await raw(
        { socketPath: f.socketPath },
        {
          method: b.method,
          path: b.path,
          headers: { host: 'localhost', 'content-type': 'application/json' },
          body: JSON.stringify(b.body),
        },
      );
      assert.equal(r.status, 400, `${b.method} ${JSON.stringify(b.body)}: ${r.text}`);
      assert.ok(!r.text.includes('canary'), r.text);
    }
  });

  it('the actor follows the authentication: socket "cli", bearer "api", browser session "ui"', () => {
    assert.equal(actorOf('cookie'), 'ui');
    assert.equal(actorOf('socket'), 'cli');
    assert.equal(actorOf('bearer'), 'api');
  });

  it('rotate passes the validated body on; audit takes set and limit', async () => {
    await api.call('credentialRotate', { set: 'llm' }, undefined, {
      values: { K: CANARY },
      timeoutSec: 5,
      stableSec: 2,
      actor: 'cli',
    });
    assert.deepEqual(f.handlers.credentialCalls.at(-1), [
      'rotate',
      'llm',
      { values: { K: CANARY }, timeoutSec: 5, stableSec: 2, actor: 'cli' },
    ]);
    assert.deepEqual(await api.call('credentialAudit', {}, { set: 'llm', limit: 5 }), { records: [] });
    const r = await raw(
      { port: f.port },
      {
        path: '/api/credentials/audit?bogus=1',
        headers: { host: `127.0.0.1:${f.port}`, authorization: `Bearer ${TOKEN}` },
      },
    );
    assert.equal(r.status, 400);
  });
});

describe("credential routes (the agent's real handlers)", () => {
  let f: Fixture<FakeCredentials>;
  let api: ApiClient;
  let db: SqliteStore;
  let home: string;
  before(async () => {
    f = await startFixture({ handlers: new FakeCredentials() });
    home = path.join(f.dir, 'vh');
    const paths = vigilPaths({ VIGIL_HOME: home, HOME: f.dir });
    fs.mkdirSync(home, { mode: 0o700 });
    db = SqliteStore.open(path.join(home, 'vigil.db'));
    const clock = new FakeClock();
    const credentials = new CredentialRuntime({
      credentials: new FsCredentialStore(paths.credentials, () => clock.now()),
      clock,
    });
    const services = {
      ctx: { paths, readLogTail: async () => [] },
      store: db,
      clock,
      manager: { restart: async () => undefined, status: async () => [] },
      supervisor: { record: (e: Parameters<SqliteStore['appendEvents']>[0]) => db.appendEvents(e) },
      credentials,
    } as unknown as AgentRuntime;
    Object.assign(f.handlers, credentialRoutes(services));
    api = new ApiClient({ socketPath: f.socketPath });
  });
  after(async () => {
    db.close();
    await f.close();
  });

  it('set, list, rotate, audit, remove: the canary never comes back, not in the events either', async () => {
    const responses: unknown[] = [];
    responses.push(
      await api.call('credentialSet', { set: 'llm', key: 'API_KEY' }, undefined, { value: CANARY }),
    );
    responses.push(await api.call('credentials', {}));
    responses.push(
      await api.call('credentialRotate', { set: 'llm' }, undefined, { values: { API_KEY: `${CANARY}-2` } }),
    );
    responses.push(await api.call('credentialAudit', {}));
    responses.push(
      await api.call('credentialRemove', { set: 'llm', key: 'API_KEY' }, undefined, { actor: 'cli' }),
    );
    const text = JSON.stringify(responses);
    assert.ok(!text.includes('canary'), text);
    assert.match(text, /••••ZZZZ/, 'masked to the last 4 characters');
    const audit = (responses[3] as { records: { action: string; actor: string }[] }).records;
    assert.deepEqual(
      audit.map((r) => [r.action, r.actor]),
      [
        ['rotate', 'cli'],
        ['set', 'cli'],
      ],
    );
    const events = db.queryEvents({});
    assert.ok(
      events.some((e) => e.type === 'credential-changed') &&
        events.some((e) => e.type === 'credential-rotation'),
    );
    assert.ok(!JSON.stringify(events).includes('canary'));
    assert.ok(
      fs.readFileSync(path.join(home, 'credentials', 'llm.env'), 'utf8').includes('API_KEY') === false,
      'removed',
    );
  });

  it('a value with a line break is refused with 400 naming the key, not the value', async () => {
    await assert.rejects(
      api.call('credentialSet', { set: 'llm', key: 'K' }, undefined, { value: `${CANARY}\nX=1` }),
      (err: VigilError) => {
        assert.equal(err.code, 'E_USAGE');
        assert.match(err.message, /K: the value contains a line break/);
        assert.ok(!err.message.includes('canary'));
        return true;
      },
    );
  });

  it('unknown set or key: 404; a bad set name: 400', async () => {
    await assert.rejects(
      api.call('credentialRemove', { set: 'nope', key: 'K' }, undefined, undefined),
      (e: VigilError) => e.code === 'E_NOT_FOUND',
    );
    await assert.rejects(
      api.call('credentialSet', { set: 'Bad.Name', key: 'K' }, undefined, { value: 'x' }),
      (e: VigilError) => e.code === 'E_USAGE',
    );
  });

  it('an unsafe set file is 409 with the path and the fix', async () => {
    await api.call('credentialSet', { set: 'loose', key: 'K' }, undefined, { value: 'value-1234' });
    fs.chmodSync(path.join(home, 'credentials', 'loose.env'), 0o644);
    await assert.rejects(
      api.call('credentialSet', { set: 'loose', key: 'K' }, undefined, { value: 'value-5678' }),
      (e: VigilError) =>
        e.code === 'E_CREDENTIAL_UNSAFE' && /mode 644.*fix: vigil doctor --fix/.test(e.message),
    );
    const doc = await api.call('credentials', {});
    assert.match(
      doc.sets.find((s) => s.set === 'loose')!.problem ?? '',
      /mode 644/,
      'the list reports it per set instead of failing',
    );
  });
});
