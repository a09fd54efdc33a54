/**
 * vigil-launch --wait-for, the compiled binary on its own: the program is not started until each
 * dependency's probe (tcp connect, http 2xx, exec exit 0) passes; a clear line in the service log says what
 * is awaited and how it ended; a wait that runs out exits 75 without running the program.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseExitLine } from '../../agent/adapters/fs/exit-journal.js';
import { readOr, requireLauncher, runLauncher, startLauncher } from '../helpers/launcher.js';
import { waitFor } from '../helpers/vigil.js';
import { freePort } from '../helpers/free-port.js';

let dir: string;
let n = 0;
const fresh = (name: string): string => path.join(dir, `${n++}-${name}`);

before(() => {
  requireLauncher();
  dir = mkdtempSync(path.join(tmpdir(), 'vigil-wait-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A free local port (listened on and closed again). */

const close = (s: Server | HttpServer) => new Promise<void>((r) => s.close(() => r()));

/** The program under test: writes the time (ms) it started to `marker`, then prints a line. */
const program = (marker: string) => ['/bin/sh', '-c', `date +%s%3N > ${marker}; echo started`];
const startedAt = (marker: string) => Number(readFileSync(marker, 'utf8').trim());

describe('--wait-for', () => {
  it('tcp: starts the program only once the port accepts connections, saying so in the log', async () => {
    const port = await freePort();
    const log = fresh('svc.log');
    const marker = fresh('ran');
    const server = createServer((c) => c.end());
    let listeningAt = 0;
    const late = setTimeout(() => server.listen(port, '127.0.0.1', () => (listeningAt = Date.now())), 1500);
    try {
      const r = await runLauncher([
        '--service',
        'web',
        '--log',
        log,
        '--wait-for',
        `redis=tcp:127.0.0.1:${port}`,
        '--',
        ...program(marker),
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(listeningAt > 0, 'the server was listening when the program ran');
      assert.ok(
        startedAt(marker) >= listeningAt - 5,
        `started ${startedAt(marker) - listeningAt} ms after the port opened`,
      );
      const lines = readOr(log).trimEnd().split('\n');
      assert.equal(
        lines[0],
        `vigil-launch: waiting for redis (tcp 127.0.0.1:${port}) to be healthy before starting web (up to 60 s)`,
      );
      assert.match(lines[1] ?? '', /^vigil-launch: redis is healthy after 1\.\d s; starting web$/);
      assert.equal(lines[2], 'started');
      assert.match(r.stderr, /vigil-launch\[web\]: waiting for redis/);
    } finally {
      clearTimeout(late);
      await close(server);
    }
  });

  it('http: a non-2xx answer is not healthy; the first 2xx is', async () => {
    let hits = 0;
    let okAt = 0;
    const server = createHttpServer((req, res) => {
      hits++;
      if (hits < 4) return res.writeHead(503).end('starting');
      if (okAt === 0) okAt = Date.now();
      res.writeHead(200).end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const log = fresh('svc.log');
    const marker = fresh('ran');
    try {
      const url = `http://127.0.0.1:${port}/health?deep=1`;
      const r = await runLauncher([
        '--service',
        'web',
        '--log',
        log,
        '--wait-for',
        `api=http:${url}`,
        '--',
        ...program(marker),
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(hits, 4, 'polled until the first 2xx, then not again');
      assert.ok(startedAt(marker) >= okAt - 5);
      const text = readOr(log);
      assert.match(
        text,
        new RegExp(`^vigil-launch: waiting for api \\(${url.replace(/[?.]/g, '\\$&')}\\) to be healthy`, 'm'),
      );
      assert.match(text, /api is healthy after/);
    } finally {
      await close(server);
    }
  });

  it('exec: the program (no shell, percent-encoded arguments) must exit 0', async () => {
    const flag = fresh('flag');
    const log = fresh('svc.log');
    const marker = fresh('ran');
    let flagAt = 0;
    const created = setTimeout(() => {
      writeFileSync(flag, '');
      flagAt = Date.now();
    }, 1000);
    // argv of `test -e FLAG`, each argument percent-encoded as the renderers write it.
    const probe = ['/usr/bin/test', '-e', flag]
      .map((a) => a.replace(/%/g, '%25').replace(/,/g, '%2C'))
      .join(',');
    const r = await runLauncher([
      '--service',
      'web',
      '--log',
      log,
      '--wait-for',
      `db=exec:${probe}`,
      '--',
      ...program(marker),
    ]);
    clearTimeout(created);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(flagAt > 0 && startedAt(marker) >= flagAt - 5);
    assert.match(readOr(log), new RegExp(`waiting for db \\(exec /usr/bin/test -e ${flag}\\) to be healthy`));
    // A comma and a percent sign inside one argument survive the encoding.
    const echoed = fresh('echoed');
    const r2 = await runLauncher([
      '--wait-for',
      `x=exec:/bin/sh,-c,printf %25s "$0" > ${echoed},a%2Cb%25c`,
      '--',
      '/bin/true',
    ]);
    assert.equal(r2.code, 0, r2.stderr);
    assert.equal(readOr(echoed), 'a,b%c');
    // execin: the first item is the directory it runs in (the dependency's cwd).
    const sub = fresh('dep dir, 1%');
    mkdirSync(sub);
    writeFileSync(path.join(sub, 'ready'), '');
    const enc = (a: string) => a.replace(/%/g, '%25').replace(/,/g, '%2C');
    const inDir = await runLauncher([
      '--wait-for',
      `x=execin:${[sub, '/usr/bin/test', '-e', 'ready'].map(enc).join(',')}`,
      '--wait-timeout',
      '1',
      '--',
      '/bin/true',
    ]);
    assert.equal(inDir.code, 0, inDir.stderr);
    const elsewhere = await runLauncher([
      '--wait-for',
      `x=exec:/usr/bin/test,-e,ready`,
      '--wait-timeout',
      '1',
      '--',
      '/bin/true',
    ]);
    assert.equal(elsewhere.code, 75, 'not found outside that directory');
  });

  it('waits for every dependency, in order; one already healthy costs no log line', async () => {
    const up = createServer((c) => c.end());
    await new Promise<void>((r) => up.listen(0, '127.0.0.1', r));
    const upPort = (up.address() as AddressInfo).port;
    const latePort = await freePort();
    const late = createServer((c) => c.end());
    const timer = setTimeout(() => late.listen(latePort, '127.0.0.1'), 700);
    const log = fresh('svc.log');
    try {
      const r = await runLauncher([
        '--service',
        'web',
        '--log',
        log,
        '--wait-for',
        `proxy=tcp:127.0.0.1:${upPort}`,
        '--wait-for',
        `redis=tcp:127.0.0.1:${latePort}`,
        '--',
        '/bin/echo',
        'started',
      ]);
      assert.equal(r.code, 0, r.stderr);
      const lines = readOr(log).trimEnd().split('\n');
      assert.equal(lines.length, 3, lines.join('\n'));
      assert.match(lines[0]!, /waiting for redis/);
      assert.match(lines[1]!, /redis is healthy after/);
      assert.equal(lines[2], 'started');
    } finally {
      clearTimeout(timer);
      await close(up);
      await close(late);
    }
  });

  it('gives up after --wait-timeout: exit 75, the reason in the log and on stderr, an exit record, the program never run', async () => {
    const port = await freePort();
    const log = fresh('svc.log');
    const exits = fresh('exits.log');
    const marker = fresh('ran');
    const t0 = Date.now();
    const r = await runLauncher([
      '--service',
      'web',
      '--log',
      log,
      '--exits',
      exits,
      '--wait-for',
      `redis=tcp:127.0.0.1:${port}`,
      '--wait-timeout',
      '2',
      '--wait-attempt-ms',
      '500',
      '--',
      ...program(marker),
    ]);
    const took = Date.now() - t0;
    assert.equal(r.code, 75);
    assert.ok(took >= 2000 && took < 4000, `took ${took} ms`);
    assert.equal(existsSync(marker), false);
    const gaveUp = `gave up: redis (tcp 127.0.0.1:${port}) was not healthy within 2 s (last try: Connection refused); web not started (exit 75)`;
    assert.ok(readOr(log).includes(`vigil-launch: ${gaveUp}\n`), readOr(log));
    assert.ok(r.stderr.includes(`vigil-launch[web]: ${gaveUp}`), r.stderr);
    const recs = readOr(exits)
      .trim()
      .split('\n')
      .map((l) => parseExitLine(l, 0));
    assert.deepEqual(
      recs.map((x) => [x?.service, x?.result, x?.code]),
      [['web', 'exit-code', 75]],
    );
  });

  it('stopped while it waits: dies of the signal, the program never run, a running exec probe killed too', async () => {
    const pidFile = fresh('probe.pid');
    const marker = fresh('ran');
    const enc = (a: string) => a.replace(/%/g, '%25').replace(/,/g, '%2C');
    const probe = ['/bin/sh', '-c', `echo $$ > ${pidFile}; exec sleep 30`].map(enc).join(',');
    const child = startLauncher([
      '--wait-for',
      `db=exec:${probe}`,
      '--wait-attempt-ms',
      '60000',
      '--',
      ...program(marker),
    ]);
    const probePid = await waitFor('the probe', () =>
      readOr(pidFile).trim() ? Number(readOr(pidFile)) : undefined,
    );
    child.kill('SIGTERM');
    const r = await child.done;
    assert.deepEqual([r.code, r.signal], [null, 'SIGTERM']);
    assert.equal(existsSync(marker), false);
    await waitFor('the probe gone', () => {
      try {
        process.kill(probePid, 0);
        return false;
      } catch {
        return true;
      }
    });
  });

  it('a malformed --wait-for or timeout is a usage error (64) naming what is expected; nothing runs', async () => {
    const marker = fresh('ran');
    const ran = ['/bin/sh', '-c', `touch ${marker}`];
    for (const spec of [
      'redis',
      '=tcp:1.2.3.4:5',
      'redis=udp:1.2.3.4:5',
      'redis=tcp:127.0.0.1',
      'redis=tcp:h:99999',
      'api=http:https://x/',
      'api=http:http://user@x/',
      'db=exec:relative/prog',
      'db=exec:/bin/x,%zz',
      'db=execin:relative,/bin/true',
      'db=execin:/tmp',
    ]) {
      const r = await runLauncher(['--wait-for', spec, '--', ...ran]);
      assert.equal(r.code, 64, `${spec}: ${r.stderr}`);
      assert.match(r.stderr, /--wait-for .*(expected|takes) /, spec);
      assert.match(r.stderr, /usage: vigil-launch/, 'refused with the command line, before anything else');
    }
    for (const args of [
      ['--wait-timeout', '0'],
      ['--wait-attempt-ms', 'x'],
    ]) {
      const r = await runLauncher([...args, '--', ...ran]);
      assert.equal(r.code, 64, r.stderr);
    }
    assert.equal(existsSync(marker), false);
  });
});
