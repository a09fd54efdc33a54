/** `vigil status --json`'s fast path (agent/cli/status-fast.ts), against real servers on a Unix socket. */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fastStatus, isFastStatus } from '../../agent/cli/status-fast.js';
import { main } from '../../agent/cli/main.js';
import type { Io } from '../../agent/cli/io.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-fast-'));
const servers: (Server | NetServer)[] = [];
after(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});
let homes = 0;

/** A VIGIL_HOME whose agent.sock is served by `server` (or holds nothing when server is null). */
async function home(server: Server | NetServer | null): Promise<Record<string, string>> {
  const h = path.join(dir, `h${homes++}`);
  mkdirSync(h);
  if (server) {
    servers.push(server);
    await new Promise<void>((r) => server.listen(path.join(h, 'agent.sock'), () => r()));
  }
  return { VIGIL_HOME: h, HOME: dir };
}

function answering(status: number, body: string, seen: string[] = []): Server {
  return createHttpServer((req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers.accept}`);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body);
  });
}

const DOC = {
  services: [{ name: 'web', unit: 'vigil-web.service', state: 'running', pid: 42, restarts: 0 }],
  groups: [],
};

describe('fastStatus', () => {
  it('answers exactly `status --json`', () => {
    assert.equal(isFastStatus(['status', '--json']), true);
    for (const argv of [
      ['status'],
      ['status', 'web', '--json'],
      ['status', '--json', '--host'],
      ['events', '--json'],
    ])
      assert.equal(isFastStatus(argv), false, argv.join(' '));
  });

  it('prints the agent status document as the full command prints it, from one GET /api/status', async () => {
    const seen: string[] = [];
    const server = answering(200, JSON.stringify(DOC), seen);
    const env = await home(server);
    const fast = await fastStatus(['status', '--json'], env);
    assert.deepEqual(seen, ['GET /api/status application/json']);
    let full = '';
    const io: Io = {
      out: (t) => (full += t),
      err: () => undefined,
      stdin: process.stdin,
      env,
      cwd: dir,
    };
    assert.equal(await main(['status', '--json'], io), 0);
    assert.deepEqual(fast, { out: full });
    assert.equal(full, `${JSON.stringify(DOC, null, 2)}\n`);
  });

  it('leaves other arguments, VIGIL_NO_AGENT and a home without a socket to the CLI, asking nothing', async () => {
    const seen: string[] = [];
    const server = answering(200, JSON.stringify(DOC), seen);
    const env = await home(server);
    assert.equal(await fastStatus(['status'], env), 'cli');
    assert.equal(await fastStatus(['status', 'web', '--json'], env), 'cli');
    assert.equal(await fastStatus(['status', '--json'], { ...env, VIGIL_NO_AGENT: '1' }), 'cli');
    assert.equal(await fastStatus(['status', '--json'], await home(null)), 'cli');
    assert.deepEqual(seen, []);
  });

  it('leaves an error status and a body that is not JSON to the CLI, which reports them', async () => {
    const err = answering(500, JSON.stringify({ error: { code: 'E_INTERNAL', message: 'boom' } }));
    assert.equal(await fastStatus(['status', '--json'], await home(err)), 'cli');
    const notJson = answering(200, 'hello');
    assert.equal(await fastStatus(['status', '--json'], await home(notJson)), 'cli');
  });

  it('sends the CLI straight to the direct path when nobody is there, the peer is not HTTP, or it is silent', async () => {
    // A file where the socket should be (a connection to it is refused, as to a socket left by a dead agent).
    const notSocket = path.join(dir, 'file');
    mkdirSync(notSocket);
    writeFileSync(path.join(notSocket, 'agent.sock'), 'x');
    assert.equal(await fastStatus(['status', '--json'], { VIGIL_HOME: notSocket }), 'direct');
    const ssh = createNetServer((s) => s.resume().end('SSH-2.0-OpenSSH_9\r\n\r\n'));
    assert.equal(await fastStatus(['status', '--json'], await home(ssh)), 'direct');
    const silent = createNetServer((s) => s.resume()); // reads the request, never answers
    const t0 = Date.now();
    assert.equal(await fastStatus(['status', '--json'], await home(silent), 200), 'direct');
    assert.ok(Date.now() - t0 >= 190, 'waited for the bound');
  });
});
