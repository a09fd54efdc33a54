import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readLaunchAgent } from '../../agent/core/import/plist.js';
import { readSystemdUnit } from '../../agent/core/import/systemd.js';
import { readCompose } from '../../agent/core/import/compose.js';
import { readEcosystem } from '../../agent/core/import/pm2.js';
import { assemble } from '../../agent/core/import/assemble.js';
import { emitManifest } from '../../agent/core/import/emit.js';
import { splitSystemd, parseSpanSec } from '../../agent/core/import/words.js';
import { looksLikeKey } from '../../agent/core/import/secrets.js';
import { parseManifest } from '../../agent/core/manifest/parse.js';

const FIX = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'import');
const fx = (f: string) => path.join(FIX, f);
const text = (f: string) => readFileSync(fx(f), 'utf8');
const noFiles = new Map<string, string | null>();
const which = (p: string) => `/usr/bin/${p}`;

function manifestOf(services: ReturnType<typeof readCompose>, envFiles = noFiles, all = false) {
  const a = assemble(services, { allEnvToCredentials: all, envFiles });
  const yaml = emitManifest(a.services, ['x'], [...a.secrets.keys()]);
  return { a, yaml, m: parseManifest(yaml, { file: '/tmp/vigil.yaml', which }).manifest };
}

test('plist: KeepAlive as a dict, EnvironmentVariables (secret split off), ThrottleInterval, notes with lines', () => {
  const svc = readLaunchAgent(fx('com.example.litellm.plist'), readFileSync(fx('com.example.litellm.plist')));
  assert.equal(svc.name, 'litellm');
  assert.deepEqual(svc.command, ['/bin/sh', '-c', 'echo proxy up; exec sleep 100000']);
  assert.deepEqual(svc.original, {
    kind: 'launchd',
    label: 'com.example.litellm',
    path: fx('com.example.litellm.plist'),
  });
  const { a, yaml, m } = manifestOf([svc]);
  const s = m.services[0]!;
  assert.equal(s.restart.policy, 'on-failure');
  assert.equal(s.restart.delaySec, 5);
  assert.equal(s.stopTimeoutSec, 20);
  assert.equal(s.cwd, '/tmp');
  assert.deepEqual(s.env, { LITELLM_PORT: '4000' });
  assert.deepEqual(s.credentials, ['litellm']);
  assert.deepEqual(a.secrets.get('litellm'), { OPENAI_API_KEY: 'sk-canary-plist-7f3a9c2e1b' });
  assert.ok(!yaml.includes('sk-canary'), 'no secret value in the manifest');
  assert.match(yaml, /com\.example\.litellm\.plist:22: KeepAlive\.NetworkState/);
  assert.match(yaml, /com\.example\.litellm\.plist:39: StartInterval is not mapped/);
});

test('systemd: ExecStart quoting, Environment=, EnvironmentFile=, MemoryMax=, CPUQuota=, Restart=, TimeoutStopSec=', () => {
  const unit = text('agent-worker.service').replace('@ENVFILE@', fx('worker.env'));
  const svc = readSystemdUnit('/u/agent-worker.service', unit);
  assert.deepEqual(svc.command, ['/bin/sh', '-c', 'echo "worker $WORKER_MODE"; exec sleep 100000', '--']);
  const envFiles = new Map([[fx('worker.env'), text('worker.env')]]);
  const { a, yaml, m } = manifestOf([svc], envFiles);
  const s = m.services[0]!;
  assert.equal(s.description, 'Agent worker (% of queue)');
  assert.deepEqual(s.env, {
    LOG_LEVEL: 'info debug',
    MAX_TOKENS: '4096',
    QUEUE_URL: 'redis://127.0.0.1:6379/0',
    WORKER_MODE: 'batch',
  });
  assert.deepEqual(a.secrets.get('agent-worker'), { ANTHROPIC_API_KEY: 'sk-ant-canary-unit-4d2f8e' });
  assert.deepEqual(s.restart, { policy: 'on-failure', delaySec: 3, burst: 4, intervalSec: 120 });
  assert.equal(s.limits.memoryBytes, 512 * 1024 * 1024);
  assert.equal(s.limits.cpuPercent, 150);
  assert.equal(s.stopTimeoutSec, 90);
  assert.match(yaml, /agent-worker\.service:20: User= is not mapped/);
  assert.match(
    yaml,
    /agent-worker\.service:3: depends on model-proxy\.service, which is not among the imported files/,
  );
  assert.ok(!yaml.includes('canary'));
});

test('env files: a missing required one is an error at its line; a missing optional one is a note; %h is the home', () => {
  const unit = text('agent-worker.service').replace('@ENVFILE@', '/nonexistent/worker.env');
  const svc = readSystemdUnit('/u/agent-worker.service', unit, { home: '/home/ada' });
  assert.deepEqual(
    svc.envFiles.map((f) => [f.path, f.optional, f.line]),
    [
      ['/home/ada/.config/agent/worker.env', true, 13],
      ['/nonexistent/worker.env', false, 14],
    ],
  );
  const files = new Map<string, string | null>([
    ['/home/ada/.config/agent/worker.env', null],
    ['/nonexistent/worker.env', null],
  ]);
  assert.throws(
    () => assemble([svc], { allEnvToCredentials: false, envFiles: files }),
    /^VigilError: \/u\/agent-worker\.service:14: env file \/nonexistent\/worker\.env does not exist$/,
  );
  files.set('/nonexistent/worker.env', 'A=1\n');
  const a = assemble([svc], { allEnvToCredentials: false, envFiles: files });
  assert.match(
    a.services[0]!.notes.map((n) => `${n.line}: ${n.message}`).join('\n'),
    /13: env file \/home\/ada\/\.config\/agent\/worker\.env does not exist \(optional\)/,
  );
});

test('compose: env_file, healthcheck, depends_on service_healthy, restart, limits, logging sizes', () => {
  const services = readCompose(fx('docker-compose.yml'), text('docker-compose.yml'));
  const envFiles = new Map([[fx('proxy.env'), text('proxy.env')]]);
  const { a, yaml, m } = manifestOf(services, envFiles);
  const proxy = m.services.find((s) => s.name === 'model-proxy')!;
  const agent = m.services.find((s) => s.name === 'imported-agent')!;
  assert.deepEqual(proxy.health?.probe, { kind: 'exec', argv: ['/bin/true'] });
  assert.equal(proxy.health?.intervalSec, 5);
  assert.equal(proxy.restart.policy, 'always');
  assert.equal(proxy.limits.memoryBytes, 256 * 1024 * 1024);
  assert.equal(proxy.limits.cpuPercent, 50);
  assert.deepEqual(proxy.logs, { maxBytes: 10 * 1024 * 1024, keep: 2 });
  assert.deepEqual(proxy.env, { PROXY_LOG_LEVEL: 'info', PROXY_PORT: '4000' });
  assert.deepEqual(a.secrets.get('model-proxy'), { LITELLM_MASTER_KEY: 'sk-canary-compose-91b0d3' });
  assert.deepEqual(agent.command, ['/bin/sh', '-c', 'echo agent; exec sleep 100000']);
  assert.deepEqual(
    agent.waitFor?.map((w) => w.service),
    ['model-proxy'],
  );
  assert.equal(agent.restart.policy, 'on-failure');
  assert.equal(agent.stopTimeoutSec, 45);
  assert.match(yaml, /docker-compose\.yml:36: HOME_DIR takes its value from the shell/);
  assert.match(yaml, /docker-compose\.yml:25: ports is not mapped/);
  assert.ok(!yaml.includes('canary'));
});

test('pm2: max_memory_restart, env (secret split off), restart_delay, kill_timeout; js evaluated apart', () => {
  const t = text('ecosystem.config.json');
  const svcs = readEcosystem(fx('ecosystem.config.json'), t, JSON.parse(t));
  const { a, yaml, m } = manifestOf(svcs);
  const s = m.services[0]!;
  assert.equal(s.name, 'cron-watchdog');
  assert.deepEqual(s.command, ['/bin/sh', '-c', 'echo watchdog; exec sleep 100000']);
  assert.equal(s.limits.memoryBytes, 300 * 1024 * 1024);
  assert.equal(s.restart.delaySec, 2);
  assert.equal(s.stopTimeoutSec, 8);
  assert.deepEqual(s.env, { NODE_ENV: 'production' });
  assert.deepEqual(a.secrets.get('cron-watchdog'), { SLACK_WEBHOOK_TOKEN: 'xoxb-canary-pm2-55aa11' });
  assert.match(yaml, /ecosystem\.config\.json:16: env_production/);
  assert.match(yaml, /ecosystem\.config\.json:18: watch is not mapped/);
});

test('--all-env-to-credentials puts every value in the store', () => {
  const t = text('ecosystem.config.json');
  const { a, m } = manifestOf(readEcosystem(fx('ecosystem.config.json'), t, JSON.parse(t)), noFiles, true);
  assert.deepEqual(m.services[0]!.env, {});
  assert.deepEqual(Object.keys(a.secrets.get('cron-watchdog')!).sort(), ['NODE_ENV', 'SLACK_WEBHOOK_TOKEN']);
});

test('words: systemd quoting and spans; key-looking values', () => {
  assert.deepEqual(splitSystemd(`/bin/echo "a b" 'c d' e\\ f "x\\"y" 100%% $$HOME`).words, [
    '/bin/echo',
    'a b',
    'c d',
    'e f',
    'x"y',
    '100%',
    '$HOME',
  ]);
  assert.deepEqual(splitSystemd('/bin/echo $HOME').unexpanded, ['$HOME']);
  assert.equal(splitSystemd('/bin/echo "open').error, 'an unterminated " quote');
  assert.equal(parseSpanSec('1min 30s'), 90);
  assert.equal(parseSpanSec('500ms'), 0.5);
  assert.equal(parseSpanSec('forever'), null);
  assert.ok(looksLikeKey('sk-proj-abcdefghijklmnop'));
  assert.ok(looksLikeKey('postgres://app:hunter2@db/app'));
  assert.ok(!looksLikeKey('redis://127.0.0.1:6379/0'));
  assert.ok(!looksLikeKey('production'));
});
