/**
 * The exported compose.yaml through Debian's docker-compose (`docker-compose -f X config`, no engine
 * needed): the example's export and a manifest with every probe kind, a healthy dependency and a "$".
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { credentialSets, renderCompose } from '../../agent/core/export/compose.js';
import { exportManifest, ROOT } from '../helpers/export.js';

const found = spawnSync('docker-compose', ['version'], { encoding: 'utf8' });
const missing =
  found.status === 0 ? null : 'docker-compose is not installed: run `bash scripts/test-prereqs.sh` (as root)';

function config(dir: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('docker-compose', ['-f', 'compose.yaml', 'config'], {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** What the user does after the export: one env file per credential set, from `vigil secrets example`. */
function fillSecrets(dir: string, sets: string[]): void {
  mkdirSync(path.join(dir, 'secrets'), { recursive: true });
  for (const s of sets)
    writeFileSync(path.join(dir, 'secrets', `${s}.env`), `FROM_${s.replace(/-/g, '_')}=set\n`);
}

type Services = Record<string, Record<string, unknown>>;

describe('docker-compose config accepts the export', () => {
  it('docker-compose is installed', () => assert.equal(missing, null, missing ?? ''));
  it('the committed export of examples/vigil.yaml', () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'vigil-dc-'));
    cpSync(path.join(ROOT, 'examples'), path.join(tmp, 'examples'), { recursive: true });
    const dir = path.join(tmp, 'examples/export/compose');
    const manifest = exportManifest(
      readFileSync(path.join(ROOT, 'examples/vigil.yaml'), 'utf8'),
      path.join(ROOT, 'examples/vigil.yaml'),
    );
    const sets = credentialSets(manifest);
    const missing = config(dir);
    assert.notEqual(missing.status, 0, 'the env files are not there yet');
    assert.match(missing.stderr, /secrets\/\S+\.env/);
    fillSecrets(dir, sets);
    const r = config(dir);
    assert.equal(r.status, 0, r.stderr);
    const svc = (parse(r.stdout) as { services: Services }).services;
    assert.deepEqual(Object.keys(svc).sort(), manifest.services.map((s) => s.name).sort());
    assert.equal((svc['agent-core']!.environment as Record<string, string>).FROM_agent_core, 'set');
    assert.equal(
      (svc['agent-core']!.environment as Record<string, string>).OPENAI_BASE_URL,
      'http://llm-proxy:4000/v1',
    );
    assert.equal((svc['llm-proxy']!.build as { context: string }).context, path.join(tmp, 'examples'));
  });

  it('every probe kind, a healthy dependency and a "$" kept as written; a wrong file is refused', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-dc-'));
    const manifest = exportManifest(
      [
        'services:',
        '  redis:',
        '    command: [/usr/bin/redis-server]',
        '    health: { tcp: "127.0.0.1:6379" }',
        '  web:',
        '    command: [/usr/bin/web, "cost is $5"]',
        '    credentials: [web_keys]',
        '    dependsOn: { redis: healthy }',
        '    health: { exec: [/usr/bin/check] }',
        '  api:',
        '    command: [/usr/bin/api]',
        '    health: { url: "http://127.0.0.1:8080/healthz" }',
        '    limits: { memory: 256M, cpu: 50% }',
      ].join('\n'),
      path.join(dir, 'vigil.yaml'),
    );
    const files = renderCompose(manifest, dir);
    for (const f of files) {
      mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
      writeFileSync(path.join(dir, f.path), f.text);
    }
    fillSecrets(dir, credentialSets(manifest)); // redis and api: the sets named after them
    const r = config(dir);
    assert.equal(r.status, 0, r.stderr);
    const svc = (parse(r.stdout) as { services: Services }).services;
    assert.deepEqual(svc.web!.depends_on, { redis: { condition: 'service_healthy' } });
    assert.match(JSON.stringify(svc.web!.command), /cost is \$\$?5/);
    assert.ok(!JSON.stringify(svc.web!.command).includes('cost is 5'), 'no interpolation of $5');
    const compose = readFileSync(path.join(dir, 'compose.yaml'), 'utf8');
    writeFileSync(
      path.join(dir, 'compose.yaml'),
      compose.replace('stop_grace_period: 30s', 'stop_grace_period: [30s]'),
    );
    const bad = config(dir);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /stop_grace_period/);
  });
});
