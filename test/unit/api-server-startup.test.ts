import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstatSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ApiClient } from '../../agent/api/client.js';
import { startApiServer } from '../../agent/api/server.js';
import { VigilError } from '../../agent/core/errors.js';
import { FakeHandlers, TOKEN, startFixture, startMustFail, tempDir } from '../helpers/api-fixture.js';

function rejectsWith(code: string, pattern?: RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof VigilError, `expected a VigilError, got ${String(err)}`);
    assert.equal(err.code, code);
    if (pattern) assert.match(err.message, pattern);
    return true;
  };
}

describe('agent API server startup', { timeout: 10_000 }, () => {
  test('a stale socket file left by a dead agent is replaced', async () => {
    const dir = tempDir();
    const socketPath = path.join(dir, 'agent.sock');
    try {
      // A process that binds the socket and dies without cleaning up.
      const script = `require('net').createServer().listen(${JSON.stringify(socketPath)}, () => process.kill(process.pid, 'SIGKILL'))`;
      spawnSync(process.execPath, ['-e', script]);
      assert.ok(lstatSync(socketPath).isSocket(), 'the dead process left its socket behind');
      const server = await startApiServer({ handlers: new FakeHandlers(), socketPath, token: TOKEN });
      try {
        assert.equal((await new ApiClient({ socketPath }).health()).ok, true);
        assert.equal(server.httpAddress(), null);
      } finally {
        await server.close();
      }
      assert.throws(() => lstatSync(socketPath), /ENOENT/, 'close removes the socket file');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a regular file where the socket should be is not deleted', async () => {
    const dir = tempDir();
    const socketPath = path.join(dir, 'agent.sock');
    writeFileSync(socketPath, 'precious');
    try {
      rejectsWith(
        'E_IO',
        /not a socket/,
      )(await startMustFail({ handlers: new FakeHandlers(), socketPath, token: TOKEN }));
      assert.equal(readFileSync(socketPath, 'utf8'), 'precious');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('refuses to serve HTTP on a non-loopback host', async () => {
    const dir = tempDir();
    try {
      for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.com']) {
        const err = await startMustFail({
          handlers: new FakeHandlers(),
          socketPath: path.join(dir, 'agent.sock'),
          token: TOKEN,
          http: { host, port: 0 },
        });
        rejectsWith('E_USAGE', /loopback/)(err);
      }
      assert.throws(() => lstatSync(path.join(dir, 'agent.sock')), /ENOENT/, 'nothing was left listening');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the client reports an absent agent as E_AGENT_UNREACHABLE', async () => {
    const dir = tempDir();
    try {
      await assert.rejects(
        new ApiClient({ socketPath: path.join(dir, 'none.sock') }).health(),
        rejectsWith('E_AGENT_UNREACHABLE'),
      );
      const fx = await startFixture();
      const port = fx.port;
      await fx.close();
      await assert.rejects(
        new ApiClient({ baseUrl: `http://127.0.0.1:${port}`, token: TOKEN }).health(),
        rejectsWith('E_AGENT_UNREACHABLE'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
