/** The tcp and exec probers against real sockets and processes, and KindProber's dispatch by kind. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { probeTcp } from '../../agent/adapters/probe/tcp-probe.js';
import { probeExec } from '../../agent/adapters/probe/exec-probe.js';
import { KindProber } from '../../agent/adapters/probe/kind-prober.js';
import { NodeProcessRunner } from '../../agent/adapters/process/node-runner.js';
import { ScriptedRunner } from '../helpers/scripted-runner.js';

const NEVER_ACCEPTS =
  'import socket,time; s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(0); print(s.getsockname()[1], flush=True); time.sleep(30)';

const listen = (server: net.Server): Promise<number> =>
  new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
  );

describe('tcp probe', () => {
  let server: net.Server;
  let port: number;
  const accepted: net.Socket[] = [];
  before(async () => {
    server = net.createServer((s) => {
      accepted.push(s);
      s.on('error', () => undefined);
    });
    port = await listen(server);
  });
  after(() => server.close());

  it('passes when the port accepts a connection, and closes it again', async () => {
    const r = await probeTcp('127.0.0.1', port, 1000, () => 42);
    assert.deepEqual(
      { ...r, latencyMs: 0 },
      {
        health: 'healthy',
        httpStatus: null,
        latencyMs: 0,
        reported: null,
        checks: null,
        error: null,
        at: 42,
      },
    );
    await new Promise((res) => setTimeout(res, 50));
    assert.ok(accepted.length >= 1);
    assert.ok(
      accepted.every((s) => s.readableEnded || s.destroyed),
      'the probe hung up',
    );
  });

  it('fails with "connection refused" when nothing listens', async () => {
    const closed = net.createServer();
    const free = await listen(closed);
    await new Promise((res) => closed.close(res));
    const r = await probeTcp('127.0.0.1', free, 1000);
    assert.equal(r.health, 'down');
    assert.equal(r.error, `connection refused (127.0.0.1:${free})`);
  });

  it('fails within the timeout when the connection never completes', async () => {
    // A listener that never accepts: once its backlog is full, Linux drops further SYNs and connect hangs.
    const child = spawn('/usr/bin/python3', ['-c', NEVER_ACCEPTS], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const fullPort = Number(
        await new Promise<string>((res) => child.stdout.once('data', (b: Buffer) => res(b.toString()))),
      );
      const fillers = Array.from({ length: 3 }, () =>
        net.connect(fullPort, '127.0.0.1').on('error', () => undefined),
      );
      await new Promise((res) => setTimeout(res, 100));
      const t0 = performance.now();
      const r = await probeTcp('127.0.0.1', fullPort, 300);
      fillers.forEach((s) => s.destroy());
      assert.equal(r.health, 'down');
      assert.equal(r.error, `no connection to 127.0.0.1:${fullPort} within 300 ms`);
      assert.ok(performance.now() - t0 < 1000, 'ended by the timeout');
    } finally {
      child.kill();
    }
  });
});

describe('exec probe (real processes, no shell)', () => {
  const runner = new NodeProcessRunner();

  it('passes on exit 0', async () => {
    const r = await probeExec(runner, { argv: ['/bin/true'] }, 2000, () => 7);
    assert.equal(r.health, 'healthy');
    assert.equal(r.error, null);
    assert.equal(r.at, 7);
  });

  it('fails on another exit code, with the last line it wrote', async () => {
    const r = await probeExec(
      runner,
      { argv: ['/bin/sh', '-c', 'echo starting; echo "NOAUTH Authentication required" >&2; exit 3'] },
      2000,
    );
    assert.equal(r.health, 'down');
    assert.equal(r.error, '/bin/sh exited with code 3: NOAUTH Authentication required');
  });

  it('is killed at the timeout', async () => {
    const t0 = performance.now();
    const r = await probeExec(runner, { argv: ['/bin/sleep', '10'] }, 300);
    assert.equal(r.health, 'down');
    assert.equal(r.error, '/bin/sleep did not finish within 300 ms');
    assert.ok(performance.now() - t0 < 2000, 'ended by the timeout, not by sleep');
  });

  it('is killed at the timeout together with what it started (no grandchild holds the result back)', async () => {
    const marker = `sleep 5.${process.pid}`; // the grandchild, recognizable in ps
    const t0 = performance.now();
    const r = await probeExec(runner, { argv: ['/bin/sh', '-c', `${marker}; true`] }, 300);
    assert.equal(r.error, '/bin/sh did not finish within 300 ms');
    assert.ok(
      performance.now() - t0 < 2000,
      `ended at the timeout, not when sleep did (${Math.round(performance.now() - t0)} ms)`,
    );
    const ps = await new NodeProcessRunner().run('/bin/ps', ['-eo', 'args']);
    assert.ok(!ps.stdout.includes(marker), 'the shell and its sleep are gone');
  });

  it('runs in the given cwd and passes arguments as they are (no shell)', async () => {
    const inTmp = await probeExec(
      runner,
      { argv: ['/bin/sh', '-c', '[ "$(pwd)" = /tmp ]'], cwd: '/tmp' },
      2000,
    );
    assert.equal(inTmp.health, 'healthy');
    const elsewhere = await probeExec(
      runner,
      { argv: ['/bin/sh', '-c', '[ "$(pwd)" = /tmp ]'], cwd: '/' },
      2000,
    );
    assert.equal(elsewhere.health, 'down');
    const literal = await probeExec(runner, { argv: ['/usr/bin/test', '$HOME', '=', '$HOME'] }, 2000);
    assert.equal(literal.health, 'healthy', '$HOME reached the program unexpanded');
  });

  it('a program that cannot be run is a failed probe, not an exception', async () => {
    const r = await probeExec(runner, { argv: ['/nonexistent/check'] }, 2000);
    assert.equal(r.health, 'down');
    assert.match(r.error ?? '', /could not run \/nonexistent\/check: .*ENOENT/);
  });
});

describe('KindProber', () => {
  it('runs exec probes through the injected ProcessRunner, argv exactly', async () => {
    const runner = new ScriptedRunner([
      { argv: ['/usr/bin/redis-cli', '-p', '6379', 'ping'], stdout: 'PONG\n' },
      {
        argv: ['/usr/bin/redis-cli', '-p', '6379', 'ping'],
        exitCode: 1,
        stdout: 'Could not connect to Redis at 127.0.0.1:6379: Connection refused\n',
      },
    ]);
    const prober = new KindProber(runner);
    const spec = { kind: 'exec' as const, argv: ['/usr/bin/redis-cli', '-p', '6379', 'ping'] };
    assert.equal((await prober.probe(spec, 1000)).health, 'healthy');
    const down = await prober.probe(spec, 1000);
    assert.equal(
      down.error,
      '/usr/bin/redis-cli exited with code 1: Could not connect to Redis at 127.0.0.1:6379: Connection refused',
    );
    runner.done();
  });

  it('sends tcp probes to a socket and http probes to the URL', async () => {
    const server = net.createServer((s) => s.end());
    const port = await listen(server);
    try {
      const prober = new KindProber(new ScriptedRunner());
      assert.equal((await prober.probe({ kind: 'tcp', host: '127.0.0.1', port }, 1000)).health, 'healthy');
      const http = await prober.probe({ kind: 'http', url: `http://127.0.0.1:${port}/health` }, 1000);
      assert.equal(http.health, 'down', 'a socket that closes at once is no HTTP answer');
    } finally {
      server.close();
    }
  });
});
