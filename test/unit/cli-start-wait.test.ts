/**
 * Waiting for a start: a service with `healthy` dependencies may take its whole TimeoutStartSec= (the
 * launcher's wait for them, then the program), so `vigil start`/`restart` through the agent wait that
 * long, never the client's 10 s, and never fail while the start is in progress.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { actionWaitMs, controlCommand } from '../../agent/cli/commands/control.js';
import { startTimeoutField, startWaitMs } from '../../agent/core/manifest/wait-args.js';
import { serviceStatus } from '../../agent/core/supervise/view.js';
import { stopWaitMs } from '../../agent/core/manifest/stop-settings.js';
import { DEFAULT_CLIENT_TIMEOUT_MS } from '../../agent/api/client.js';
import type { DependencyWait } from '../../agent/core/manifest/model.js';
import type { Io } from '../../agent/cli/io.js';

const REDIS: DependencyWait = {
  service: 'redis',
  probe: { kind: 'tcp', host: '127.0.0.1', port: 6379 },
  timeoutSec: 2,
};

describe('how long a start may take', () => {
  it('a service with healthy dependencies: the 60 s wait, one try, 15 s to start; none without', () => {
    assert.deepEqual(startTimeoutField({ waitFor: [REDIS] }), { startTimeoutSec: 77 });
    assert.deepEqual(startTimeoutField({}), {});
    const st = serviceStatus({
      name: 'api',
      unit: 'vigil-api.service',
      snapshot: undefined,
      policy: 'always',
      rule: { threshold: 5, windowMs: 10_000 },
      drifted: false,
      now: 0,
      observed: {
        service: 'api',
        unit: 'vigil-api.service',
        loaded: true,
        active: 'activating',
        sub: 'start',
        pid: 10,
        restarts: 0,
        result: 'success',
        lastExit: null,
        since: 0,
        memoryBytes: null,
        cpuNsec: null,
      },
      ...startTimeoutField({ waitFor: [REDIS] }),
    });
    assert.equal(st.startTimeoutSec, 77, 'in the status document the CLI reads');
  });

  it('the CLI waits the longest start timeout + 15 s for a start, stop + start for a restart', () => {
    const api = { name: 'api', stopTimeoutSec: 30, startTimeoutSec: 77, waitsFor: ['redis'] };
    const cron = { name: 'cron' };
    assert.equal(actionWaitMs('start', ['api', 'cron'], [api, cron]), 92_000);
    assert.ok(actionWaitMs('start', ['api'], [api]) > 77_000);
    assert.equal(actionWaitMs('start', ['cron'], [api, cron]), startWaitMs([]));
    assert.ok(startWaitMs([]) > DEFAULT_CLIENT_TIMEOUT_MS, 'never the client default');
    assert.equal(
      actionWaitMs('stop', ['x'], [{ name: 'x', stopTimeoutSec: 2, startTimeoutSec: 77 }]),
      stopWaitMs([{ stopTimeoutSec: 2 }]),
    );
    assert.equal(actionWaitMs('restart', ['api'], [api]), 45_000 + 92_000);
  });

  it('a stop or restart of a dependency also waits for the dependents systemd stops and restarts with it (Requires=)', () => {
    const redis = { name: 'redis', stopTimeoutSec: 5 };
    const api = { name: 'api', stopTimeoutSec: 120, startTimeoutSec: 77, waitsFor: ['redis'] };
    const worker = { name: 'worker', stopTimeoutSec: 30, startTimeoutSec: 77, waitsFor: ['api'] };
    const all = [redis, api, worker, { name: 'other', stopTimeoutSec: 600 }];
    assert.equal(
      actionWaitMs('stop', ['redis'], all),
      (30 + 15) * 1000 + (120 + 15) * 1000 + (30 + 15) * 1000,
    );
    assert.equal(actionWaitMs('restart', ['redis'], all), 225_000 + 45_000 + 92_000 + 92_000);
    assert.equal(actionWaitMs('stop', ['worker'], all), 45_000, 'a dependent alone: its own stop');
    assert.equal(actionWaitMs('start', ['redis'], all), 45_000, 'a start pulls in no dependents');
  });
});

describe('vigil start through the agent while the start is still in progress', () => {
  let dir: string;
  let server: Server;
  const answerAfterMs = DEFAULT_CLIENT_TIMEOUT_MS + 800;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-start-wait-'));
    // An agent whose start of `api` (waiting for redis) answers only after the client's default timeout.
    server = createServer((req, res) => {
      req.resume();
      const send = (body: unknown) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(body));
      };
      const api = {
        name: 'api',
        unit: 'vigil-api.service',
        state: 'running',
        pid: 42,
        restarts: 0,
        since: null,
        lastExit: null,
        health: 'unknown',
        drifted: false,
        memoryBytes: null,
        cpuNsec: null,
        stopTimeoutSec: 30,
        startTimeoutSec: 77,
      };
      if (req.url === '/api/health')
        send({ ok: true, version: 'test', pid: 1, startedAt: new Date(0).toISOString() });
      else if (req.url === '/api/status')
        send({
          generatedAt: new Date().toISOString(),
          services: [{ ...api, state: 'starting', waiting: 'waiting for redis' }],
        });
      else if (req.url === '/api/services/api/start')
        setTimeout(() => send({ service: 'api', action: 'start', ok: true, status: api }), answerAfterMs);
      else {
        res.statusCode = 404;
        send({ error: { code: 'E_NOT_FOUND', message: req.url } });
      }
    });
    await new Promise<void>((r) => server.listen(path.join(dir, 'agent.sock'), r));
  });
  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`answers after ${answerAfterMs} ms: the CLI waits and reports it running`, async () => {
    const out: string[] = [];
    const io: Io = {
      out: (t) => out.push(t),
      err: () => {},
      stdin: process.stdin,
      env: { VIGIL_HOME: dir },
      cwd: '/',
      errIsTTY: false,
    };
    const code = await controlCommand('start')(['api', '--json'], io);
    assert.equal(code, 0);
    const doc = JSON.parse(out.join('')) as { services: { state: string }[] };
    assert.equal(doc.services[0]!.state, 'running');
  });
});
