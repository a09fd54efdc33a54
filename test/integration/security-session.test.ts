/**
 * Browser sessions against a real agent process that is really stopped and started again: signing out
 * survives the restart, and the database lists sessions by hash only (no id, no key).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ApiClient } from '../../agent/api/client.js';
import { vigilPaths } from '../../agent/core/paths.js';
import { freePort } from '../helpers/free-port.js';
import { raw } from '../helpers/api-fixture.js';
import { makeHome, startAgent, type AgentProcess, type TestHome } from '../helpers/vigil.js';
import { signIn, signedRequest } from '../helpers/browser-session.js';

describe('browser sessions across agent restarts (real agent)', () => {
  let t: TestHome;
  let agent: AgentProcess | null = null;
  let port: number;
  const start = async (): Promise<AgentProcess> => startAgent(t, ['--http', `127.0.0.1:${port}`]);

  before(async () => {
    t = await makeHome('vigil-sess-');
    port = await freePort();
    agent = await start();
  });
  after(async () => {
    await agent?.stop();
    await t.cleanup();
  });

  it('a signed-out session is refused after the agent restarts; a live one still works', async () => {
    const paths = vigilPaths({ VIGIL_HOME: t.env.VIGIL_HOME!, HOME: t.home });
    const socket = new ApiClient({ socketPath: paths.socket });
    const out = await signIn(socket, port);
    const kept = await signIn(socket, port);
    assert.equal((await signedRequest(port, out, 'GET', '/api/status')).status, 200);
    const bye = await signedRequest(port, out, 'POST', '/api/session/logout');
    assert.equal(bye.status, 200, bye.text);
    assert.equal((await signedRequest(port, out, 'GET', '/api/status')).status, 401);

    assert.equal(await agent!.stop(), 0);
    agent = await start();

    const after = await signedRequest(port, out, 'GET', '/api/status');
    assert.equal(after.status, 401, after.text);
    assert.match(after.text, /signed out/);
    assert.equal((await signedRequest(port, kept, 'GET', '/api/status')).status, 200);

    // The database holds hashes of the session ids, never an id or a key.
    const db = readFileSync(path.join(t.env.VIGIL_HOME!, 'vigil.db')).toString('latin1');
    const wal = (() => {
      try {
        return readFileSync(path.join(t.env.VIGIL_HOME!, 'vigil.db-wal')).toString('latin1');
      } catch {
        return '';
      }
    })();
    for (const s of [out, kept]) {
      for (const secret of s.secrets) {
        assert.ok(!db.includes(secret) && !wal.includes(secret), 'no session secret in the database');
      }
    }
    const listed = await raw(
      { socketPath: paths.socket },
      { path: '/api/status', headers: { host: 'localhost' } },
    );
    assert.equal(listed.status, 200);
  });
});
