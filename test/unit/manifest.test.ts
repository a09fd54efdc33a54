/** parseManifest on valid manifests: defaults, normalization, path resolution, order, warnings, the example. */
import { METRIC_RULE_DEFAULTS } from '../../agent/core/alerts/metric-rules.js';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifest } from '../../agent/core/manifest/parse.js';
import type { ServiceSpec } from '../../agent/core/manifest/model.js';
import { FILE, onlyProblem, parse, yaml } from '../helpers/manifest.js';

const one = (text: string): ServiceSpec => {
  const { manifest } = parse(text);
  assert.equal(manifest.services.length, 1);
  return manifest.services[0]!;
};

describe('parseManifest: a valid manifest', () => {
  it('fills every default for a minimal service', () => {
    const { manifest, warnings } = parse(yaml('services:', '  web:', '    command: [python3, app.py]'));
    assert.deepEqual(warnings, []);
    assert.equal(manifest.file, FILE);
    assert.equal(manifest.version, 1);
    assert.deepEqual(manifest.services, [
      {
        name: 'web',
        description: undefined,
        command: ['/usr/bin/python3', 'app.py'],
        cwd: undefined,
        env: {},
        credentials: ['web'],
        dependsOn: [],
        restart: { policy: 'always', delaySec: 1, burst: 5, intervalSec: 60 },
        health: undefined,
        metrics: undefined,
        limits: { memoryBytes: undefined, cpuPercent: undefined },
        logs: { maxBytes: 10 * 1024 * 1024, keep: 5 },
        stopTimeoutSec: 30,
      },
    ]);
  });

  it('normalizes every field of a full service', () => {
    const spec = one(
      yaml(
        'version: 1',
        'services:',
        '  api:',
        '    description: The API',
        '    command: [/opt/api/bin/api, --port, "8080"]',
        '    cwd: /opt/api',
        '    env: { LOG_LEVEL: debug, WORKERS: 4, FEATURE_X: true }',
        '    credentials: [api, shared_llm]',
        '    restart: { policy: on-failure, delaySec: 2.5, burst: 3, intervalSec: 30 }',
        '    health: { url: "http://127.0.0.1:8080/healthz", intervalSec: 5, timeoutSec: 1 }',
        '    metrics: { url: "https://127.0.0.1:8080/metrics" }',
        '    limits: { memory: 2G, cpu: 200% }',
      ),
    );
    assert.deepEqual(spec, {
      name: 'api',
      description: 'The API',
      command: ['/opt/api/bin/api', '--port', '8080'],
      cwd: '/opt/api',
      env: { LOG_LEVEL: 'debug', WORKERS: '4', FEATURE_X: 'true' },
      credentials: ['api', 'shared_llm'],
      dependsOn: [],
      restart: { policy: 'on-failure', delaySec: 2.5, burst: 3, intervalSec: 30 },
      health: {
        probe: { kind: 'http', url: 'http://127.0.0.1:8080/healthz' },
        intervalSec: 5,
        timeoutSec: 1,
      },
      metrics: { url: 'https://127.0.0.1:8080/metrics' },
      limits: { memoryBytes: 2 * 1024 ** 3, cpuPercent: 200 },
      metricAlerts: METRIC_RULE_DEFAULTS,
      logs: { maxBytes: 10 * 1024 * 1024, keep: 5 },
      stopTimeoutSec: 30,
    });
  });

  it('fills the defaults of partial restart and health maps, and accepts restart policy "no"', () => {
    const spec = one(
      yaml(
        'services:',
        '  w:',
        '    command: [x]',
        '    restart: { policy: "no" }',
        '    health: { url: "http://localhost/h" }',
      ),
    );
    assert.deepEqual(spec.restart, { policy: 'no', delaySec: 1, burst: 5, intervalSec: 60 });
    assert.deepEqual(spec.health, {
      probe: { kind: 'http', url: 'http://localhost/h' },
      intervalSec: 10,
      timeoutSec: 2,
    });
  });

  it('accepts an empty credentials list (no credential set at all)', () => {
    assert.deepEqual(
      one(yaml('services:', '  w:', '    command: [x]', '    credentials: []')).credentials,
      [],
    );
  });

  it('keeps env values and argv items exactly as written, not as YAML numbers or booleans', () => {
    const spec = one(
      yaml(
        'services:',
        '  proxy:',
        '    command: [litellm, --port, 4000, --timeout, 1.50, --debug, true, 0x1F]',
        '    env:',
        '      PYTHON_VERSION: 3.10',
        '      PORT: 08080',
        '      ENABLED: yes',
        '      EMPTY: ""',
      ),
    );
    assert.deepEqual(spec.command, [
      '/usr/bin/litellm',
      '--port',
      '4000',
      '--timeout',
      '1.50',
      '--debug',
      'true',
      '0x1F',
    ]);
    assert.deepEqual(spec.env, { PYTHON_VERSION: '3.10', PORT: '08080', ENABLED: 'yes', EMPTY: '' });
  });

  it('accepts a service name of 48 characters and names made of digits', () => {
    const long = `a${'-'.repeat(46)}z`;
    const { manifest } = parse(
      yaml('services:', `  ${long}:`, '    command: [x]', '  "42":', '    command: [x]'),
    );
    assert.deepEqual(
      manifest.services.map((s) => s.name),
      [long, '42'],
    );
  });

  it('accepts an empty services map', () => {
    assert.deepEqual(parse(yaml('services: {}')).manifest.services, []);
  });
});

describe('parseManifest: paths', () => {
  const cmd = (...lines: string[]) => one(yaml('services:', '  w:', ...lines));

  it('resolves a relative cwd against the manifest directory', () => {
    assert.equal(cmd('    command: [x]', '    cwd: app').cwd, '/srv/agent/app');
    assert.equal(cmd('    command: [x]', '    cwd: ./app/../lib/').cwd, '/srv/agent/lib');
    assert.equal(cmd('    command: [x]', '    cwd: ../shared').cwd, '/srv/shared');
    assert.equal(cmd('    command: [x]', '    cwd: /var/lib/w').cwd, '/var/lib/w');
  });

  it('resolves a bare program name through the injected which, once, with that name', () => {
    const asked: string[] = [];
    const { manifest } = parseManifest(yaml('services:', '  w:', '    command: [python3, -m, app]'), {
      file: FILE,
      which: (p) => (asked.push(p), `/opt/py/bin/${p}`),
    });
    assert.deepEqual(asked, ['python3']);
    assert.deepEqual(manifest.services[0]!.command, ['/opt/py/bin/python3', '-m', 'app']);
  });

  it('reports a program which cannot find, and any bare program when no which is given', () => {
    const p = onlyProblem(yaml('services:', '  w:', '    command: [missing-prog, --x]'));
    assert.deepEqual([p.line, p.column, p.path], [3, 15, 'services.w.command[0]']);
    assert.match(p.message, /program "missing-prog" not found on PATH/);
    const q = onlyProblem(yaml('services:', '  w:', '    command:', '      - python3'), { which: undefined });
    assert.deepEqual([q.line, q.path], [4, 'services.w.command[0]']);
  });

  it('resolves a relative program path against cwd, or the manifest directory without cwd', () => {
    const asked: string[] = [];
    const which = (p: string) => (asked.push(p), null);
    const parseW = (text: string) => parseManifest(text, { file: FILE, which }).manifest.services[0]!;
    assert.deepEqual(
      parseW(yaml('services:', '  w:', '    command: [.venv/bin/python, a.py]', '    cwd: app')).command,
      ['/srv/agent/app/.venv/bin/python', 'a.py'],
    );
    assert.equal(
      parseW(yaml('services:', '  w:', '    command: [./run.sh]')).command[0],
      '/srv/agent/run.sh',
    );
    assert.equal(
      parseW(yaml('services:', '  w:', '    command: [bin/run]', '    cwd: /opt/w')).command[0],
      '/opt/w/bin/run',
    );
    assert.equal(
      parseW(yaml('services:', '  w:', '    command: [/usr/local/bin/x]', '    cwd: app')).command[0],
      '/usr/local/bin/x',
    );
    assert.deepEqual(asked, [], 'which is only for bare names');
  });
});

describe('parseManifest: dependency order', () => {
  it('returns every service after the services it depends on; independent ones keep manifest order', () => {
    const { manifest } = parse(
      yaml(
        'services:',
        '  core:',
        '    command: [x]',
        '    dependsOn: [proxy, db]',
        '  monitor:',
        '    command: [x]',
        '  proxy:',
        '    command: [x]',
        '    dependsOn: [db]',
        '  db:',
        '    command: [x]',
      ),
    );
    assert.deepEqual(
      manifest.services.map((s) => s.name),
      ['db', 'proxy', 'core', 'monitor'],
    );
    assert.deepEqual(manifest.services.find((s) => s.name === 'core')!.dependsOn, ['proxy', 'db']);
  });
});

describe('parseManifest: secret-looking env keys', () => {
  it('warns about each one with file, line, path and the credential set to use', () => {
    const { warnings } = parse(
      yaml(
        'services:',
        '  bot:',
        '    command: [x]',
        '    credentials: [bot-secrets, other]',
        '    env:',
        '      OPENAI_API_KEY: sk-1',
        '      MAX_TOKENS: 4096',
        '      GH_TOKEN: ghp',
        '      TOKENIZERS_PARALLELISM: "false"',
        '      db_password: hunter2',
        '      KEYBOARD_LAYOUT: us',
        '      CLIENT_SECRET: s',
        '      APIKEY: k',
        '      PASSTHROUGH: "1"',
        '      MONKEY: "1"',
      ),
    );
    assert.deepEqual(
      warnings.map((w) => [w.line, w.path]),
      [
        [6, 'services.bot.env.OPENAI_API_KEY'],
        [8, 'services.bot.env.GH_TOKEN'],
        [10, 'services.bot.env.db_password'],
        [12, 'services.bot.env.CLIENT_SECRET'],
        [13, 'services.bot.env.APIKEY'],
      ],
    );
    for (const w of warnings) {
      assert.equal(w.file, FILE);
      assert.match(
        w.message,
        /credential store \(set "bot-secrets": \$VIGIL_HOME\/credentials\/bot-secrets\.env\)/,
      );
    }
  });

  it('names the service’s own set when it has no credentials key', () => {
    const { warnings } = parse(
      yaml('services:', '  bot:', '    command: [x]', '    env: { SLACK_TOKEN: x }'),
    );
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.message, /set "bot"/);
  });
});
