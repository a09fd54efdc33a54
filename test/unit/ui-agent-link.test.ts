/** The desktop app's link to the agent, against a real API server on a unix socket: connect, events, reconnect. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { AgentLink } from '../../electron/agent-link.js';
import { startApiServer, type ApiServer } from '../../agent/api/server.js';
import { FakeHandlers, TOKEN, tempDir } from '../helpers/api-fixture.js';
import { waitFor } from '../helpers/vigil.js';

test(
  'AgentLink: no agent → connects when one appears → events → reconnects after a restart',
  { timeout: 20_000 },
  async () => {
    const dir = tempDir();
    const socketPath = path.join(dir, 'agent.sock');
    const states: string[] = [];
    const events: number[] = [];
    const link = new AgentLink({
      socketPath,
      pollMs: 200,
      retryMs: 50,
      onChange: (s) => states.push(s.connection),
      onEvent: (e) => events.push(e.id),
    });
    let server: ApiServer | null = null;
    let handlers = new FakeHandlers();
    const serve = async () => {
      handlers = new FakeHandlers();
      server = await startApiServer({
        handlers,
        socketPath,
        http: { host: '127.0.0.1', port: 0 },
        token: TOKEN,
      });
    };
    try {
      link.start();
      await waitFor('no agent', () => link.current.connection === 'no-agent');
      await serve();
      await waitFor('connected', () => link.current.connection === 'connected', 5_000);
      assert.deepEqual(link.current.services, [{ name: 'web', state: 'running', health: 'healthy' }]);
      assert.match(link.uiUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.match(await link.loginUrl(), /\/login\?code=/);
      await handlers.waitForSubscribers(1);
      handlers.emit('crashed', 'web');
      await waitFor('the event', () => events.length === 1, 5_000);
      await server!.close();
      await waitFor('agent gone', () => link.current.connection === 'no-agent', 5_000);
      await serve();
      await waitFor('reconnected', () => link.current.connection === 'connected', 5_000);
      await handlers.waitForSubscribers(1);
      const changes = states.filter((s, i) => s !== states[i - 1]);
      assert.deepEqual(changes.slice(changes.indexOf('no-agent'), changes.indexOf('no-agent') + 4), [
        'no-agent',
        'connected',
        'no-agent',
        'connected',
      ]);
    } finally {
      link.stop();
      await (server as ApiServer | null)?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('AgentLink: an agent without HTTP has no dashboard', { timeout: 10_000 }, async () => {
  const dir = tempDir();
  const socketPath = path.join(dir, 'agent.sock');
  const server = await startApiServer({ handlers: new FakeHandlers(), socketPath, token: TOKEN });
  const link = new AgentLink({ socketPath, pollMs: 200, retryMs: 50, onChange: () => undefined });
  try {
    link.start();
    await waitFor('no-http', () => link.current.connection === 'no-http', 5_000);
  } finally {
    link.stop();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
