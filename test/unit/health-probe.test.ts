import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { interpret, probeHealth } from '../../agent/adapters/http/health-probe.js';
import { KindProber } from '../../agent/adapters/probe/kind-prober.js';
import { NodeProcessRunner } from '../../agent/adapters/process/node-runner.js';
import { startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';

describe('interpret (pure)', () => {
  it('2xx without a JSON status is healthy; non-2xx is down with the status', () => {
    assert.equal(interpret(200, 'OK').health, 'healthy');
    assert.equal(interpret(204, '').health, 'healthy');
    const d = interpret(503, '{"status":"healthy"}');
    assert.equal(d.health, 'down');
    assert.equal(d.error, 'HTTP 503');
    assert.equal(d.reported, 'healthy', 'what the body said is still kept');
  });

  it('reads the JSON status field and keeps the checks', () => {
    const r = interpret(200, JSON.stringify({ status: 'degraded', checks: { db: 'ok', cache: 'slow' } }));
    assert.equal(r.health, 'degraded');
    assert.equal(r.reported, 'degraded');
    assert.deepEqual(r.checks, { db: 'ok', cache: 'slow' });
    for (const s of ['healthy', 'OK', 'pass', 'UP', 'green', 'serving'])
      assert.equal(interpret(200, JSON.stringify({ status: s })).health, 'healthy', s);
    for (const s of ['warn', 'Warning', 'yellow', 'partial'])
      assert.equal(interpret(200, JSON.stringify({ status: s })).health, 'degraded', s);
    const bad = interpret(200, JSON.stringify({ status: 'unhealthy' }));
    assert.equal(bad.health, 'down');
    assert.match(bad.error ?? '', /reported status "unhealthy"/);
  });

  it('ignores JSON that is not an object, and a status that is not a string', () => {
    assert.equal(interpret(200, '["degraded"]').health, 'healthy');
    assert.equal(interpret(200, '{"status":3}').reported, null);
    assert.equal(interpret(200, '{"checks":[1,2]}').checks, null);
  });
});

describe('probeHealth against a real local HTTP server', () => {
  let fx: HttpFixture;
  before(async () => {
    fx = await startHttpFixture();
  });
  after(async () => {
    await fx.close();
  });

  it('healthy JSON with checks', async () => {
    fx.set('/ok', { status: 200, body: { status: 'healthy', checks: { db: { ok: true } } } });
    const r = await probeHealth(fx.url('/ok'), 2000);
    assert.equal(r.health, 'healthy');
    assert.equal(r.httpStatus, 200);
    assert.deepEqual(r.checks, { db: { ok: true } });
    assert.equal(r.error, null);
    assert.ok(r.latencyMs >= 0);
    const req = fx.received.at(-1)!;
    assert.equal(req.headers['user-agent'], 'vigil-probe');
    assert.match(req.headers.accept ?? '', /application\/json/);
  });

  it('degraded JSON, plain-text 200, and non-2xx', async () => {
    fx.set('/deg', { status: 200, body: { status: 'degraded' } });
    fx.set('/text', { status: 200, body: 'alive' });
    fx.set('/500', { status: 500, body: 'boom' });
    fx.set('/404', { status: 404, body: { status: 'healthy' } });
    assert.equal((await probeHealth(fx.url('/deg'), 2000)).health, 'degraded');
    assert.equal((await probeHealth(fx.url('/text'), 2000)).health, 'healthy');
    const e = await probeHealth(fx.url('/500'), 2000);
    assert.deepEqual([e.health, e.httpStatus, e.error], ['down', 500, 'HTTP 500']);
    assert.equal((await probeHealth(fx.url('/404'), 2000)).health, 'down');
  });

  it('connection refused is down, with a readable reason', async () => {
    const gone = await startHttpFixture();
    const url = gone.url('/x');
    await gone.close();
    const r = await probeHealth(url, 2000);
    assert.equal(r.health, 'down');
    assert.equal(r.error, 'connection refused');
    assert.equal(r.httpStatus, null);
    const tls = await probeHealth(url.replace('http:', 'https:'), 2000); // node:https, loaded on first use
    assert.deepEqual([tls.health, tls.error], ['down', 'connection refused']);
  });

  it('https: a plain-HTTP server is a TLS failure (down), never a hang', async () => {
    const r = await probeHealth(fx.url('/x').replace('http:', 'https:'), 2000);
    assert.equal(r.health, 'down');
    assert.doesNotMatch(r.error ?? '', /timed out/);
  });

  it('a hung endpoint times out (no answer at all, or headers and then nothing)', async () => {
    fx.set('/hang', { hang: true });
    fx.set('/half', { headersThenHang: true });
    for (const p of ['/hang', '/half']) {
      const t0 = performance.now();
      const r = await probeHealth(fx.url(p), 300);
      const took = performance.now() - t0;
      assert.equal(r.health, 'down', p);
      assert.match(r.error ?? '', /timed out after 300 ms/, p);
      assert.ok(took >= 250 && took < 5000, `${p} took ${took} ms`);
    }
  });

  it('a hung probe does not stall the others running beside it', async () => {
    fx.set('/hang', { hang: true });
    fx.set('/fast', { status: 200, body: { status: 'ok' } });
    const prober = new KindProber(new NodeProcessRunner());
    const hung = prober.probe({ kind: 'http', url: fx.url('/hang') }, 3000);
    const fastDone: number[] = [];
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 5 }, async () => {
        const r = await prober.probe({ kind: 'http', url: fx.url('/fast') }, 3000);
        assert.equal(r.health, 'healthy');
        fastDone.push(performance.now() - t0);
      }),
    );
    let hungSettled = false;
    let hungAt = 0;
    void hung.then(() => {
      hungSettled = true;
      hungAt = performance.now() - t0;
    });
    await new Promise((r) => setImmediate(r));
    assert.equal(hungSettled, false, 'the fast probes finished while the hung one was still waiting');
    assert.equal((await hung).health, 'down');
    assert.ok(
      Math.max(...fastDone) < hungAt,
      `fast probes (${Math.max(...fastDone).toFixed(0)} ms) finished before the hung one (${hungAt.toFixed(0)} ms)`,
    );
    assert.ok(Math.max(...fastDone) < 1000, 'and without waiting for its timeout');
  });

  it('reads the answers of odd servers: chunked, no length (close-delimited), HTTP/1.0, keep-alive ignoring our close', async () => {
    const { createServer } = await import('node:net');
    const answers: Record<string, string> = {
      '/chunked':
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n{"statu\r\n14\r\ns":"degraded","x":1}\r\n0\r\n\r\n',
      '/close': 'HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n\r\nbusy',
      '/http10': 'HTTP/1.0 200 OK\r\n\r\n{"status":"ok"}',
      '/keepalive': 'HTTP/1.1 200 OK\r\nContent-Length: 15\r\nConnection: keep-alive\r\n\r\n{"status":"ok"}',
      '/garbage': 'SSH-2.0-OpenSSH\r\n\r\n',
    };
    const server = createServer((sock) => {
      sock.once('data', (d) => {
        const path = /^GET (\S+) HTTP\/1\.1\r\n/.exec(d.toString())?.[1] ?? '';
        const answer = answers[path] ?? 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n';
        // Split the answer in two writes to exercise reassembly.
        sock.write(answer.slice(0, 20));
        setTimeout(() => {
          sock.write(answer.slice(20));
          if (path !== '/keepalive') sock.end(); // keep-alive: the connection stays open
        }, 10);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const chunked = await probeHealth(`${base}/chunked`, 2000);
      assert.deepEqual([chunked.health, chunked.reported], ['degraded', 'degraded']);
      const close = await probeHealth(`${base}/close`, 2000);
      assert.deepEqual([close.health, close.httpStatus, close.error], ['down', 503, 'HTTP 503']);
      assert.equal((await probeHealth(`${base}/http10`, 2000)).health, 'healthy');
      const ka = await probeHealth(`${base}/keepalive`, 2000);
      assert.equal(ka.health, 'healthy', 'done when Content-Length is satisfied, not at the timeout');
      assert.ok(ka.latencyMs < 1500, `${ka.latencyMs} ms`);
      const bad = await probeHealth(`${base}/garbage`, 2000);
      assert.equal(bad.health, 'down');
      assert.match(bad.error ?? '', /malformed HTTP response/);
    } finally {
      server.close();
    }
  });

  it('an invalid URL is down, not a throw', async () => {
    const r = await probeHealth('http://[::1', 500);
    assert.equal(r.health, 'down');
  });
});
