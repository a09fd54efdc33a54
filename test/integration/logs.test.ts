/**
 * Logs end to end, real systemd: a service runs under vigil-launch with the manifest's rotation settings;
 * `vigil logs` reads across the rotated files directly and through the agent (tail, --grep, -E,
 * --level, -f), and serves secret values redacted.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  BIN,
  FIXTURES,
  makeHome,
  run as exec,
  startAgent,
  waitFor,
  type AgentProcess,
  type TestHome,
} from '../helpers/vigil.js';
import { uniquePrefix } from '../helpers/systemd.js';

const BURST = path.join(FIXTURES, 'services', 'log-burst.mjs');
const N = 3000;
const TOKEN_VALUE = 'tok-4f9a2c7e1b3d5a6c';

interface TailJson {
  lines: string[];
  files: string[];
}
interface SearchJson {
  matches: { file: string; line: string }[];
  truncated: boolean;
}

describe('vigil logs (real systemd, vigil-launch rotation)', () => {
  let t: TestHome;
  let agent: AgentProcess | undefined;
  const p = uniquePrefix();
  const svc = `${p}-burst`;
  const logsDir = () => path.join(t.env.VIGIL_HOME!, 'logs');

  before(async () => {
    t = await makeHome();
    const creds = path.join(t.env.VIGIL_HOME!, 'credentials');
    mkdirSync(creds, { recursive: true, mode: 0o700 });
    chmodSync(creds, 0o700);
    writeFileSync(path.join(creds, `${svc}.env`), `API_TOKEN=${TOKEN_VALUE}\n`, { mode: 0o600 });
    const yaml = `logs: { keep: 200 }
services:
  ${svc}:
    command: [${process.execPath}, ${BURST}]
    env: { BURST: "${N}" }
    logs: { maxBytes: 16K }
`;
    await t.json(['apply', '-f', t.manifest(yaml)]);
    await waitFor(
      'burst written',
      () => readFileSync(path.join(logsDir(), `${svc}.log`), 'utf8').includes('tick 0'),
      30_000,
    );
  });
  after(async () => {
    await agent?.stop().catch(() => undefined);
    await t.cleanup();
  });

  it('the unit runs the service through the launcher with the manifest’s settings; the log rotated', () => {
    const unit = readFileSync(
      path.join(process.env.HOME ?? '/root', '.config', 'systemd', 'user', `vigil-${svc}.service`),
      'utf8',
    );
    assert.match(
      unit,
      /^ExecStart=".*\/dist\/bin\/vigil-launch" "--service" "[^"]+" "--log" "[^"]+\.log" "--max-bytes" "16384" "--keep" "200" "--stop-timeout" "\d+" "--exits" "[^"]+\/exits\.log" "--end-file" "[^"]+\.end" "--" /m,
    );
    const rotated = readdirSync(logsDir()).filter((f) => f.startsWith(`${svc}.log.`));
    assert.ok(rotated.length >= 10, `rotated files: ${rotated.length}`);
    for (const f of rotated) assert.ok(readFileSync(path.join(logsDir(), f)).length <= 16384, f);
  });

  for (const mode of ['direct', 'through the agent'] as const) {
    it(`${mode}: the last lines across rotated files, in order; --grep, -E, --level; secrets redacted`, async () => {
      if (mode === 'through the agent' && !agent) agent = await startAgent(t);
      const env = mode === 'direct' ? { ...t.env, VIGIL_NO_AGENT: '1' } : t.env;
      const run = async <T>(args: string[]): Promise<T> => {
        const r = await exec(process.execPath, [BIN, ...args, '--json'], env, { timeoutMs: 60_000 });
        assert.equal(r.code, 0, r.stderr);
        return JSON.parse(r.stdout) as T;
      };
      const all = await run<TailJson>(['logs', svc, '-n', String(N + 5000)]); // the burst, and the ticks since
      const burst = all.lines.filter((l) => l.startsWith('{'));
      assert.equal(burst.length, N, 'every burst line, none twice');
      assert.deepEqual(
        burst.map((l) => (JSON.parse(l) as { n: number }).n),
        Array.from({ length: N }, (_, i) => i),
      );
      assert.ok(all.files.length >= 10, `read ${all.files.length} files`);

      const redacted = all.lines.find((l) => l.startsWith('calling upstream'));
      assert.equal(redacted, `calling upstream with token [redacted:${svc}/API_TOKEN]`);
      assert.ok(!all.lines.some((l) => l.includes(TOKEN_VALUE)), 'the secret value is never served');

      const one = await run<SearchJson>(['logs', svc, '--grep', '"n":2999,']);
      assert.deepEqual(
        one.matches.map((m) => (JSON.parse(m.line) as { n: number }).n),
        [2999],
      );
      const re = await run<SearchJson>(['logs', svc, '-E', '--grep', '"n":10[0-9]5,', '-n', '1000']);
      assert.deepEqual(
        re.matches.map((m) => (JSON.parse(m.line) as { n: number }).n),
        Array.from({ length: 10 }, (_, i) => 1005 + 10 * i),
      );
      const limited = await run<SearchJson>(['logs', svc, '--grep', 'burst line', '-n', '5']);
      assert.deepEqual([limited.matches.length, limited.truncated], [5, true]);
      const errors = await run<TailJson>(['logs', svc, '--level', 'error', '-n', '3']);
      assert.deepEqual(
        errors.lines.map((l) => (JSON.parse(l) as { n: number }).n),
        [2700, 2800, 2900],
      );
      const secret = await run<SearchJson>(['logs', svc, '--grep', TOKEN_VALUE]);
      assert.deepEqual(secret.matches, [], 'searching for the value finds nothing');
    });
  }

  it('-f follows through the agent: new lines as they are written, until interrupted', async () => {
    agent ??= await startAgent(t);
    const child = spawn(process.execPath, [BIN, 'logs', svc, '-n', '1', '-f', '--grep', 'tick'], {
      env: t.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await waitFor(
      'three followed ticks',
      () =>
        out
          .trim()
          .split('\n')
          .filter((l) => /^tick \d+$/.test(l)).length >= 4,
      15_000,
    );
    const ticks = out
      .trim()
      .split('\n')
      .map((l) => Number(l.slice(5)));
    assert.deepEqual(
      ticks,
      ticks.map((_, i) => ticks[0]! + i),
      `consecutive: ${out}`,
    );
    child.kill('SIGINT');
    assert.equal(await exited, 0);
  });

  it('usage: bad level, -E without --grep, unknown service', async () => {
    const env = { ...t.env, VIGIL_NO_AGENT: '1' };
    const bad = await exec(process.execPath, [BIN, 'logs', svc, '--level', 'loud'], env, {});
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--level must be/);
    assert.equal((await exec(process.execPath, [BIN, 'logs', svc, '-E'], env, {})).code, 2);
    const unknown = await exec(process.execPath, [BIN, 'logs', `${p}-ghost`], env, {});
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown service/);
  });
});
