/**
 * `vigil export compose|kubernetes`: each manifest setting lands where docs/export.md says, the output
 * passes the compose-spec schema and Kubernetes' OpenAPI validation, names Kubernetes cannot take are
 * refused by name, and a canary secret set through the real CLI appears in no exported file.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { parse, parseAllDocuments } from 'yaml';
import { renderCompose } from '../../agent/core/export/compose.js';
import { renderKubernetes } from '../../agent/core/export/kubernetes.js';
import { main } from '../../agent/cli/main.js';
import type { Io } from '../../agent/cli/io.js';
import { composeProblems, exportManifest, validateKubernetes } from '../helpers/export.js';

const MANIFEST = `
version: 1
stopTimeoutSec: 45
logs: { maxBytes: 2M, keep: 0 }
services:
  redis:
    command: [/usr/bin/redis-server, --port, 6379]
    health:
      tcp: "127.0.0.1:6379"
      restartAfterFailures: 4
  proxy:
    command: [litellm, --port, 4000]
    credentials: [llm_keys]
    health: { url: "http://127.0.0.1:4000/health?full=1", intervalSec: 7, timeoutSec: 4 }
    metrics: { url: "http://127.0.0.1:9100/stats" }
    limits: { memory: 1000, cpu: 150% }
  web:
    command: [./bin/web, --greeting, "cost is $5"]
    cwd: ./app
    env: { PROXY: "http://localhost:4000/v1", SELF: "http://127.0.0.1:8080/" , PLAIN: "x" }
    dependsOn: { redis: healthy, proxy: started }
    restart: { policy: "no" }
    stopTimeoutSec: 5
    health:
      exec: [./bin/check, --quick]
`;

const FILE = '/srv/stack/vigil.yaml';
const OUT = '/srv/stack/deploy/compose';
const m = exportManifest(MANIFEST, FILE);

describe('export compose: the mapping', () => {
  const files = renderCompose(m, OUT);
  const text = files.find((f) => f.path === 'compose.yaml')!.text;
  const svc = (parse(text) as { services: Record<string, Record<string, unknown>> }).services;

  it('passes the compose-spec schema, with a Dockerfile stub marked EDIT ME per service', () => {
    assert.deepEqual(composeProblems(text), []);
    assert.deepEqual(
      files.map((f) => f.path),
      ['compose.yaml', 'redis/Dockerfile', 'proxy/Dockerfile', 'web/Dockerfile', 'secrets/.gitignore'],
    );
    for (const f of files.filter((x) => x.path.endsWith('Dockerfile'))) assert.match(f.text, /^# EDIT ME/);
    assert.deepEqual(svc.web!.build, { context: '../..', dockerfile: 'deploy/compose/web/Dockerfile' });
  });

  it('maps the probes, restart, depends_on, limits, logs and stop timeout', () => {
    assert.deepEqual((svc.redis!.healthcheck as { test: string[] }).test, [
      'CMD',
      'bash',
      '-c',
      'exec 3<>/dev/tcp/$$0/$$1',
      '127.0.0.1',
      '6379',
    ]);
    assert.deepEqual(svc.redis!.healthcheck, {
      ...(svc.redis!.healthcheck as object),
      interval: '10s',
      timeout: '2s',
      retries: 4,
    });
    assert.deepEqual((svc.proxy!.healthcheck as { test: string[] }).test.slice(-3), [
      '--max-time',
      '4',
      'http://127.0.0.1:4000/health?full=1',
    ]);
    assert.deepEqual((svc.web!.healthcheck as { test: string[] }).test, [
      'CMD',
      '/app/app/bin/check',
      '--quick',
    ]);
    assert.equal(svc.web!.restart, 'no');
    assert.deepEqual(svc.web!.depends_on, {
      redis: { condition: 'service_healthy' },
      proxy: { condition: 'service_started' },
    });
    assert.deepEqual(svc.proxy!.deploy, { resources: { limits: { cpus: '1.5', memory: '1000b' } } });
    assert.deepEqual(svc.proxy!.logging, {
      driver: 'json-file',
      options: { 'max-size': '2m', 'max-file': '1' },
    });
    assert.equal(svc.web!.stop_grace_period, '5s');
    assert.equal(svc.redis!.stop_grace_period, '45s');
  });

  it('keeps programs, escapes "$", rewrites loopback URLs to peers, and names env files only', () => {
    assert.deepEqual(svc.proxy!.command, ['litellm', '--port', '4000']);
    assert.deepEqual(svc.web!.command, ['/app/app/bin/web', '--greeting', 'cost is $$5']);
    assert.equal(svc.web!.working_dir, '/app/app');
    assert.deepEqual(svc.web!.environment, {
      PROXY: 'http://proxy:4000/v1',
      SELF: 'http://127.0.0.1:8080/',
      PLAIN: 'x',
    });
    assert.deepEqual(svc.proxy!.env_file, ['secrets/llm_keys.env']);
    assert.match(text, /vigil secrets example llm_keys -o secrets\/llm_keys\.env/);
  });
});

describe('export kubernetes: the mapping', () => {
  const files = renderKubernetes(m);
  const objs = (name: string) =>
    parseAllDocuments(files.find((f) => f.path === name)!.text).map(
      (d) => d.toJS() as Record<string, any>, // eslint-disable-line @typescript-eslint/no-explicit-any
    );

  it('every object passes OpenAPI validation', () => {
    for (const f of files) validateKubernetes(f.text);
    assert.deepEqual(
      files.map((f) => f.path),
      ['redis.yaml', 'proxy.yaml', 'web.yaml', 'secrets/secrets.example.yaml'],
    );
  });

  it('maps probes, resources, grace period, ports, scrape annotations and Secret references', () => {
    const [proxyDep, proxySvc] = objs('proxy.yaml');
    const c = proxyDep!.spec.template.spec.containers[0];
    assert.deepEqual(c.resources, {
      requests: { cpu: '1500m', memory: '1000' },
      limits: { cpu: '1500m', memory: '1000' },
    });
    assert.deepEqual(c.readinessProbe, {
      httpGet: { path: '/health?full=1', port: 4000, scheme: 'HTTP' },
      periodSeconds: 7,
      timeoutSeconds: 4,
      failureThreshold: 1,
    });
    assert.equal(c.livenessProbe, undefined, 'no liveness restarts without restartAfterFailures');
    assert.deepEqual(c.envFrom, [{ secretRef: { name: 'llm-keys' } }]);
    assert.deepEqual(proxyDep!.spec.template.metadata.annotations, {
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '9100',
      'prometheus.io/path': '/stats',
      'prometheus.io/scheme': 'http',
    });
    assert.deepEqual(
      proxySvc!.spec.ports.map((p: { name: string; port: number }) => [p.name, p.port]),
      [
        ['health', 4000],
        ['metrics', 9100],
      ],
    );
    const [redisDep, redisSvc] = objs('redis.yaml');
    const rc = redisDep!.spec.template.spec.containers[0];
    assert.deepEqual(rc.livenessProbe.tcpSocket, { port: 6379 });
    assert.equal(rc.livenessProbe.failureThreshold, 4);
    assert.equal(redisDep!.spec.template.spec.terminationGracePeriodSeconds, 45);
    assert.equal(redisSvc!.kind, 'Service');
    const web = objs('web.yaml');
    assert.deepEqual(
      web.map((o) => o.kind),
      ['ConfigMap', 'Deployment'],
      'no Service without a known port',
    );
    assert.deepEqual(web[0]!.data.PROXY, 'http://proxy:4000/v1');
    const wc = web[1]!.spec.template.spec.containers[0];
    assert.deepEqual(wc.readinessProbe.exec, { command: ['/app/app/bin/check', '--quick'] });
    assert.deepEqual(wc.command, ['/app/app/bin/web', '--greeting', 'cost is $5']);
    assert.equal(web[1]!.spec.template.spec.terminationGracePeriodSeconds, 5);
    assert.equal(web[1]!.metadata.annotations['vigil.dev/restart-policy'], 'no');
  });

  it('writes placeholder Secrets and a kubectl create secret line per set', () => {
    const text = files.find((f) => f.path === 'secrets/secrets.example.yaml')!.text;
    assert.match(text, /kubectl create secret generic llm-keys --from-env-file=secrets\/llm_keys\.env/);
    const [secret] = objs('secrets/secrets.example.yaml');
    assert.deepEqual(secret!.stringData, { LLM_KEYS_KEY: 'REPLACE-ME' });
    const known = renderKubernetes(m, { llm_keys: ['OPENAI_API_KEY'] }).at(-1)!.text;
    assert.match(known, /OPENAI_API_KEY: REPLACE-ME/);
  });

  it('keeps the host of a probe that is not on loopback', () => {
    const remote = exportManifest(
      'services:\n  a:\n    command: [/bin/true]\n    health: { url: "https://db.internal:8443/ok" }\n',
      FILE,
    );
    const [dep] = parseAllDocuments(renderKubernetes(remote)[0]!.text).map((d) => d.toJS());
    assert.deepEqual(dep.spec.template.spec.containers[0].readinessProbe.httpGet, {
      host: 'db.internal',
      path: '/ok',
      port: 8443,
      scheme: 'HTTPS',
    });
  });

  it('refuses names Kubernetes cannot take, naming them', () => {
    const bad = exportManifest('services:\n  9lives:\n    command: [/bin/true]\n', FILE);
    assert.throws(() => renderKubernetes(bad), /service "9lives" cannot be a Kubernetes name/);
    const clash = exportManifest(
      'services:\n  a:\n    command: [/bin/true]\n    credentials: [x_y, x-y]\n',
      FILE,
    );
    assert.throws(() => renderKubernetes(clash), /"x_y" and "x-y" would both be the Secret "x-y"/);
  });
});

describe('export: a canary secret never reaches an exported file', () => {
  it('sets one through `vigil secrets set`, exports both ways with the CLI, and finds it nowhere', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-export-'));
    const canary = 'sk-canary-7f3a9c1e0b5d4e2f';
    writeFileSync(path.join(dir, 'vigil.yaml'), MANIFEST.replace('./bin/web', '/bin/sh'));
    const out: string[] = [];
    const io = (stdin: string): Io => ({
      out: (t) => void out.push(t),
      err: (t) => void out.push(t),
      stdin: Readable.from([stdin]),
      env: { VIGIL_HOME: path.join(dir, 'home'), PATH: '/usr/bin:/bin' },
      cwd: dir,
    });
    assert.equal(await main(['secrets', 'set', 'llm_keys', 'OPENAI_API_KEY'], io(canary)), 0, out.join(''));
    assert.ok(
      readFileSync(path.join(dir, 'home/credentials/llm_keys.env'), 'utf8').includes(canary),
      'the canary is in the credential store',
    );
    assert.equal(await main(['export', 'compose', '-o', 'c'], io('')), 0, out.join(''));
    assert.equal(await main(['export', 'kubernetes', '-o', 'k'], io('')), 0, out.join(''));
    const written = ['c', 'k'].flatMap((d) =>
      readdirSync(path.join(dir, d), { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => path.join(e.parentPath, e.name)),
    );
    assert.ok(written.length >= 8, written.join(', '));
    for (const f of written) {
      const t = readFileSync(f, 'utf8');
      assert.ok(!t.includes(canary), `${f} holds the canary`);
      assert.ok(!t.includes(canary.slice(-8)), `${f} holds part of the canary`);
    }
    assert.match(readFileSync(path.join(dir, 'c/compose.yaml'), 'utf8'), /secrets\/llm_keys\.env/);
    assert.ok(!out.join('').includes(canary), 'nor does the CLI print it');
  });
});

describe('export: the command line', () => {
  const run = async (argv: string[], cwd: string) => {
    const out: string[] = [];
    const err: string[] = [];
    const io: Io = {
      out: (t) => void out.push(t),
      err: (t) => void err.push(t),
      stdin: Readable.from([]),
      env: { VIGIL_HOME: path.join(cwd, 'home'), PATH: '/usr/bin:/bin' },
      cwd,
    };
    return { code: await main(argv, io), out: out.join(''), err: err.join('') };
  };

  it('writes to ./compose by default, lists the files with --json, and refuses bad usage', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-export-cli-'));
    writeFileSync(path.join(dir, 'vigil.yaml'), 'services:\n  api:\n    command: [api-server]\n');
    const r = await run(['export', 'compose', '--json'], dir);
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out) as { kind: string; dir: string; files: string[] };
    assert.equal(doc.dir, path.join(dir, 'compose'));
    assert.deepEqual(doc.files.map((f) => path.relative(doc.dir, f)).sort(), [
      'api/Dockerfile',
      'compose.yaml',
      'secrets/.gitignore',
    ]);
    assert.match(readFileSync(path.join(dir, 'compose/compose.yaml'), 'utf8'), /- api-server\n/);
    assert.equal((await run(['export', 'helm'], dir)).code, 2);
    const extra = await run(['export', 'kubernetes', '--down-for', '1m'], dir);
    assert.equal(extra.code, 2);
    assert.match(extra.err, /--down-for is for export alerts/);
    const missing = await run(['export', 'kubernetes', '-f', 'nope.yaml'], dir);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /nope\.yaml/);
  });
});

describe('export: a replicated service', () => {
  const rm = exportManifest(
    `
version: 1
services:
  worker:
    replicas: 3
    command: [/usr/bin/worker, --port, "90{replica}"]
    env: { SHARD: "shard-{replica}" }
    health: { url: "http://127.0.0.1:90{replica}/health" }
`,
    FILE,
  );

  it('compose: deploy.replicas, and {replica} as the first instance (every container has its own address)', () => {
    const text = renderCompose(rm, OUT).find((f) => f.path === 'compose.yaml')!.text;
    assert.deepEqual(composeProblems(text), []);
    const w = (parse(text) as { services: Record<string, Record<string, unknown>> }).services.worker!;
    assert.deepEqual(w.deploy, { replicas: 3 });
    assert.deepEqual(w.command, ['/usr/bin/worker', '--port', '901']);
    assert.deepEqual(w.environment, { SHARD: 'shard-1' });
    assert.ok(!text.includes('{replica}'), text);
  });

  it('kubernetes: the Deployment runs 3 replicas, probed on the substituted port', () => {
    const text = renderKubernetes(rm).find((f) => f.path === 'worker.yaml')!.text;
    const docs = validateKubernetes(text);
    const dep = docs.find((d) => d.kind === 'Deployment') as {
      spec: { replicas: number; template: { spec: { containers: { readinessProbe?: unknown }[] } } };
    };
    assert.equal(dep.spec.replicas, 3);
    assert.match(JSON.stringify(dep.spec.template.spec.containers[0]!.readinessProbe), /"port":901\b/);
    assert.ok(!text.includes('{replica}'), text);
  });
});
