/**
 * `vigil import` on real systemd: an imported compose file (env_file, healthcheck, depends_on
 * service_healthy) applies and its services run; a canary secret is in no manifest, output, unit or log;
 * `--replace` and `--restore` round-trip on a real original user unit made by hand.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { makeHome, ROOT, waitFor, type TestHome } from '../helpers/vigil.js';
import { uniquePrefix } from '../helpers/systemd.js';
import { main } from '../../agent/cli/main.js';

const exec = promisify(execFile);
const CANARY = `sk-canary-${uniquePrefix()}-import-0042`;
const unitDir = path.join(process.env.HOME ?? '/root', '.config', 'systemd', 'user');

async function vigil(t: TestHome, args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, {
    out: (s) => void (out += s),
    err: (s) => void (err += s),
    stdin: process.stdin,
    env: t.env,
    cwd: t.home,
  });
  return { code, out, err };
}

async function systemctl(t: TestHome, ...args: string[]): Promise<string> {
  const r = await exec('systemctl', ['--user', ...args], { env: t.env }).catch((e: { stdout: string }) => e);
  return r.stdout.trim();
}

function everything(dir: string): string {
  let all = '';
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const p = path.join(e.parentPath, e.name);
    if (e.isFile() && !p.includes(`${path.sep}credentials${path.sep}`)) all += fs.readFileSync(p, 'latin1');
  }
  return all;
}

describe('vigil import (real systemd)', () => {
  let t: TestHome;
  const p = uniquePrefix();
  const orig = `${p}-orig.service`;
  before(async () => {
    t = await makeHome('vigil-import-');
  });
  after(async () => {
    await systemctl(t, 'disable', '--now', orig);
    fs.rmSync(path.join(unitDir, orig), { force: true });
    await systemctl(t, 'daemon-reload');
    await t.cleanup();
  });

  it('an imported compose file applies and its services run; the canary is nowhere', async () => {
    fs.writeFileSync(path.join(t.home, 'proxy.env'), `PROXY_API_KEY=${CANARY}\nPROXY_MODE=fast\n`);
    fs.writeFileSync(
      path.join(t.home, 'docker-compose.yml'),
      `services:
  ${p}-proxy:
    command: ["/bin/sh", "-c", "test -n \\"$PROXY_API_KEY\\" && echo proxy $PROXY_MODE && exec sleep 100000"]
    env_file: [./proxy.env]
    healthcheck: { test: ["CMD", "/bin/true"], interval: 1s }
    restart: always
  ${p}-app:
    command: ["/bin/sh", "-c", "echo app; exec sleep 100000"]
    depends_on: { ${p}-proxy: { condition: service_healthy } }
`,
    );
    const imp = await vigil(t, ['import', 'docker-compose.yml', '-o', 'vigil.yaml']);
    assert.equal(imp.code, 0, imp.err);
    const apply = await vigil(t, ['apply', '-f', 'vigil.yaml']);
    assert.equal(apply.code, 0, apply.err);
    for (const s of [`${p}-proxy`, `${p}-app`])
      await waitFor(
        `${s} active`,
        async () => (await systemctl(t, 'is-active', `vigil-${s}.service`)) === 'active',
        30_000,
      );
    // The proxy only runs with the key in its environment, loaded from the credential store.
    await waitFor(
      'proxy log',
      () => {
        const f = path.join(t.env.VIGIL_HOME!, 'logs', `${p}-proxy.log`);
        return fs.existsSync(f) && fs.readFileSync(f, 'utf8').includes('proxy fast');
      },
      15_000,
    );
    const seen = [
      imp.out,
      imp.err,
      apply.out,
      apply.err,
      fs.readFileSync(path.join(t.home, 'vigil.yaml'), 'utf8'),
      everything(t.env.VIGIL_HOME!),
      fs.readFileSync(path.join(unitDir, `vigil-${p}-proxy.service`), 'utf8'),
    ];
    assert.ok(
      seen.every((s) => !s.includes(CANARY)),
      'the canary appears outside the credential store',
    );
    assert.match(
      fs.readFileSync(path.join(t.env.VIGIL_HOME!, 'credentials', `${p}-proxy.env`), 'utf8'),
      new RegExp(CANARY),
    );
  });

  it('the fixtures of every format (plist, unit, compose, PM2) import into one manifest that applies and runs', async () => {
    const FIX = path.join(ROOT, 'test', 'fixtures', 'import');
    const dir = path.join(t.home, 'fixtures');
    fs.mkdirSync(dir);
    const copy = (from: string, to: string, edit: (s: string) => string) =>
      fs.writeFileSync(path.join(dir, to), edit(fs.readFileSync(path.join(FIX, from), 'utf8')));
    // Unique names on the shared user manager: every service name gets this test's prefix.
    copy('com.example.litellm.plist', `com.example.${p}-litellm.plist`, (s) =>
      s.replace('com.example.litellm', `com.example.${p}-litellm`),
    );
    copy('agent-worker.service', `${p}-agent-worker.service`, (s) =>
      s
        .replaceAll('model-proxy.service', `${p}-model-proxy.service`)
        .replace('@ENVFILE@', path.join(FIX, 'worker.env')),
    );
    copy('docker-compose.yml', 'docker-compose.yml', (s) =>
      s
        .replace(/^ {2}(model-proxy|agent):/gm, `  ${p}-$1:`)
        .replace(/^ {6}model-proxy:/m, `      ${p}-model-proxy:`),
    );
    fs.copyFileSync(path.join(FIX, 'proxy.env'), path.join(dir, 'proxy.env'));
    copy('ecosystem.config.json', 'ecosystem.config.json', (s) =>
      s.replace('"cron-watchdog"', `"${p}-cron-watchdog"`),
    );
    const files = fs
      .readdirSync(dir)
      .filter((f) => !f.endsWith('.env'))
      .map((f) => path.join(dir, f));
    const imp = await vigil(t, ['import', ...files, '-o', 'all.yaml']);
    assert.equal(imp.code, 0, imp.err);
    const yaml = fs.readFileSync(path.join(t.home, 'all.yaml'), 'utf8');
    assert.match(yaml, new RegExp(`${p}-agent-worker:[\\s\\S]*?dependsOn:\\n\\s+- ${p}-model-proxy`));
    const apply = await vigil(t, ['apply', '-f', 'all.yaml']);
    assert.equal(apply.code, 0, apply.err);
    const names = ['litellm', 'agent-worker', 'model-proxy', 'agent', 'cron-watchdog'].map(
      (n) => `${p}-${n}`,
    );
    for (const s of names)
      await waitFor(
        `${s} active`,
        async () => (await systemctl(t, 'is-active', `vigil-${s}.service`)) === 'active',
        30_000,
      );
    const seen = [imp.out, imp.err, apply.out, apply.err, yaml, everything(t.env.VIGIL_HOME!)];
    for (const canary of [
      'sk-canary-plist-7f3a9c2e1b',
      'sk-ant-canary-unit-4d2f8e',
      'sk-canary-compose-91b0d3',
      'xoxb-canary-pm2-55aa11',
    ])
      assert.ok(
        seen.every((x) => !x.includes(canary)),
        `${canary} appears outside the credential store`,
      );
    const removed = await vigil(t, ['remove', ...names]);
    assert.equal(removed.code, 0, removed.err);
  });

  it('--replace takes a real original unit over, all or nothing; --restore gives it back', async () => {
    fs.mkdirSync(unitDir, { recursive: true });
    fs.writeFileSync(path.join(t.home, 'orig.env'), `ORIG_TOKEN=${CANARY}\n`);
    fs.writeFileSync(
      path.join(unitDir, orig),
      `[Unit]\nDescription=hand-made original\n\n[Service]\nExecStart=/bin/sh -c "exec sleep 100000"\nEnvironmentFile=${path.join(t.home, 'orig.env')}\nRestart=always\nMemoryMax=64M\n\n[Install]\nWantedBy=default.target\n`,
    );
    await systemctl(t, 'daemon-reload');
    await exec('systemctl', ['--user', 'enable', '--now', orig], { env: t.env });
    assert.equal(await systemctl(t, 'is-active', orig), 'active');

    const r = await vigil(t, [
      'import',
      path.join(unitDir, orig),
      '-o',
      'orig.yaml',
      '--replace',
      '--timeout',
      '30',
    ]);
    assert.equal(r.code, 0, r.err);
    assert.ok(
      !r.out.includes(CANARY) && !fs.readFileSync(path.join(t.home, 'orig.yaml'), 'utf8').includes(CANARY),
    );
    assert.equal(await systemctl(t, 'is-active', `vigil-${p}-orig.service`), 'active');
    assert.equal(await systemctl(t, 'is-active', orig), 'inactive');
    assert.equal(await systemctl(t, 'is-enabled', orig), 'disabled');
    assert.ok(fs.existsSync(path.join(unitDir, orig)), 'the original is kept on disk');

    const back = await vigil(t, ['import', '--restore']);
    assert.equal(back.code, 0, back.err);
    assert.equal(await systemctl(t, 'is-active', orig), 'active');
    assert.equal(await systemctl(t, 'is-enabled', orig), 'enabled');
    assert.ok(!fs.existsSync(path.join(unitDir, `vigil-${p}-orig.service`)), "Vigil's copy is removed");
  });

  it('--replace rolls back when the imported service does not become healthy: the original keeps running', async () => {
    const bad = `${p}-bad.service`;
    // Runs under systemd, which resolves %n to the unit's name; Vigil passes "%n" as written (a note says
    // so), so its copy exits at once and never becomes healthy.
    fs.writeFileSync(
      path.join(unitDir, bad),
      `[Service]\nExecStart=/bin/sh -c 'test "%n" = "${bad}" && exec sleep 100000'\nRestart=no\n[Install]\nWantedBy=default.target\n`,
    );
    await systemctl(t, 'daemon-reload');
    await exec('systemctl', ['--user', 'enable', '--now', bad], { env: t.env });
    try {
      assert.equal(await systemctl(t, 'is-active', bad), 'active');
      const r = await vigil(t, [
        'import',
        path.join(unitDir, bad),
        '-o',
        'bad.yaml',
        '--replace',
        '--timeout',
        '5',
      ]);
      assert.equal(r.code, 1, r.err);
      assert.match(r.err, /did not become healthy/);
      assert.match(
        fs.readFileSync(path.join(t.home, 'bad.yaml'), 'utf8'),
        /not mapped: .*-bad\.service:2: ExecStart= uses %n/,
      );
      assert.ok(!fs.existsSync(path.join(unitDir, `vigil-${p}-bad.service`)), 'the new service is removed');
      assert.equal(await systemctl(t, 'is-active', bad), 'active', 'the original is left running');
      assert.equal(await systemctl(t, 'is-enabled', bad), 'enabled');
    } finally {
      await systemctl(t, 'disable', '--now', bad);
      fs.rmSync(path.join(unitDir, bad), { force: true });
      await systemctl(t, 'daemon-reload');
    }
  });

  it('--replace refuses a copy that is not the file systemd loads for that unit, changing nothing', async () => {
    const copy = path.join(t.home, orig);
    fs.copyFileSync(path.join(unitDir, orig), copy);
    const r = await vigil(t, ['import', copy, '-o', 'copy.yaml', '--replace', '--timeout', '5']);
    assert.equal(r.code, 2, r.err);
    assert.match(
      r.err,
      /cannot replace the systemd unit .*-orig\.service: the service manager loads it from .*, not from/,
    );
    assert.equal(await systemctl(t, 'is-active', orig), 'active');
    assert.ok(!fs.existsSync(path.join(unitDir, `vigil-${p}-orig.service`)));
    assert.ok(!fs.existsSync(path.join(t.home, 'copy.yaml')), 'no manifest written');
  });
});
