/** Waiting for a slow stop: the client's per-call timeout, and the progress line on a terminal. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiClient } from '../../agent/api/client.js';
import { withProgress } from '../../agent/cli/progress.js';
import type { Io } from '../../agent/cli/io.js';

function fakeIo(errIsTTY: boolean): Io & { errs: string[] } {
  const errs: string[] = [];
  return { out: () => {}, err: (t) => errs.push(t), stdin: process.stdin, env: {}, cwd: '/', errIsTTY, errs };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('progress while waiting', () => {
  it('on a terminal: "stopping web… N s" redrawn, then the line cleared', async () => {
    const io = fakeIo(true);
    let t = 0;
    const v = await withProgress(
      io,
      'stopping web',
      async () => {
        for (let i = 0; i < 3; i++) {
          t += 1000;
          await sleep(30);
        }
        return 7;
      },
      { everyMs: 20, now: () => t },
    );
    assert.equal(v, 7);
    assert.ok(io.errs.length >= 2, io.errs.join('|'));
    assert.match(io.errs[0]!.replace('\r\x1b[K', '<clear>'), /^<clear>stopping web… \d s$/);
    assert.equal(io.errs.at(-1), '\r\x1b[K', 'the progress line is cleared at the end');
  });

  it('not a terminal, or done within the first interval: nothing written; errors pass through', async () => {
    const pipe = fakeIo(false);
    await withProgress(pipe, 'stopping web', () => sleep(60), { everyMs: 10 });
    assert.deepEqual(pipe.errs, []);
    const quick = fakeIo(true);
    await withProgress(quick, 'stopping web', async () => 1, { everyMs: 1000 });
    assert.deepEqual(quick.errs, []);
    await assert.rejects(
      withProgress(fakeIo(true), 'x', () => Promise.reject(new Error('boom')), { everyMs: 5 }),
      /boom/,
    );
  });
});

describe('the client waits as long as the action may take', () => {
  let dir: string;
  let server: Server;
  let socketPath: string;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-client-'));
    socketPath = path.join(dir, 'api.sock');
    // An agent whose stop takes 300 ms.
    server = createServer((req, res) => {
      setTimeout(() => {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            service: 'web',
            action: 'stop',
            ok: true,
            status: { name: 'web', state: 'stopped' },
          }),
        );
      }, 300);
      req.resume();
    });
    await new Promise<void>((r) => server.listen(socketPath, r));
  });
  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the default timeout fails a slow stop; a per-call timeout covers it', async () => {
    const client = new ApiClient({ socketPath, timeoutMs: 100 });
    await assert.rejects(client.action('web', 'stop'), /did not answer within 100 ms/);
    const r = await client.action('web', 'stop', { timeoutMs: 5000 });
    assert.equal(r.status.state, 'stopped');
  });
});
