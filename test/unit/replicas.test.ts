/**
 * Replicas: the manifest's `replicas:` and `{replica}` (validated, located), the expansion into instances,
 * the plan (extra instances removed, kept ones untouched), the systemd template unit, the launchd plists,
 * the status groups and the manifest edit of `vigil scale`.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../agent/cli/main.js';
import { parse, problems, yaml } from '../helpers/manifest.js';
import {
  expandNames,
  expandReplicas,
  groupOf,
  instanceSpec,
  replicaIndexOf,
} from '../../agent/core/manifest/replicas.js';
import { setReplicasInText } from '../../agent/core/manifest/replicas-edit.js';
import { planApply } from '../../agent/core/plan.js';
import { renderUnit, unitFileName } from '../../agent/adapters/systemd/unit-render.js';
import { renderPlist, parsePlistFile } from '../../agent/adapters/launchd/plist-render.js';
import { groupStatuses, withGroups } from '../../agent/core/replicas-status.js';
import { vigilPaths } from '../../agent/core/paths.js';
import { INSTALLED_NAME_RE } from '../../agent/core/manifest/names.js';
import type { ServiceStatus } from '../../agent/core/status.js';

const svc = (...body: string[]) => yaml('services:', '  w:', ...body);
const worker = () =>
  parse(
    svc(
      '    replicas: 3',
      '    command: [python3, w.py, "--port=900{replica}"]',
      '    env: { PORT: "900{replica}", NAME: "w-{replica}", PLAIN: "x%y" }',
      '    health: { url: "http://127.0.0.1:900{replica}/health" }',
    ),
  ).manifest.services[0]!;

describe('manifest: replicas and {replica}', () => {
  it('keeps one spec with the count; {replica} stays as written', () => {
    const s = worker();
    assert.equal(s.replicas, 3);
    assert.deepEqual(s.command, ['/usr/bin/python3', 'w.py', '--port=900{replica}']);
    assert.equal(
      s.health?.probe.kind === 'http' && s.health.probe.url,
      'http://127.0.0.1:900{replica}/health',
    );
    assert.equal(parse(svc('    command: [x]')).manifest.services[0]!.replicas, undefined);
  });

  for (const [value, message] of [
    ['0', 'must be >= 1'],
    ['65', 'must be <= 64'],
    ['2.5', 'must be a whole number from 1 to 64'],
    ['"3"', 'must be a whole number from 1 to 64'],
  ] as const)
    it(`rejects replicas: ${value} at its line`, () => {
      assert.deepEqual(problems(svc(`    replicas: ${value}`, '    command: [x]')), [
        [3, 'services.w.replicas', message],
      ]);
    });

  it('rejects {replica} in a service without replicas, and where it is not substituted', () => {
    assert.deepEqual(
      problems(
        svc(
          '    command: [x, "-p", "{replica}"]',
          '    env: { A: "{replica}" }',
          '  r:',
          '    replicas: 2',
          '    command: ["/bin/{replica}"]',
          '    cwd: "/srv/{replica}"',
        ),
      ),
      [
        [
          3,
          'services.w.command[2]',
          '{replica} is only substituted in a service with replicas (set services.w.replicas)',
        ],
        [
          4,
          'services.w.env.A',
          '{replica} is only substituted in a service with replicas (set services.w.replicas)',
        ],
        [
          7,
          'services.r.command[0]',
          '{replica} is not substituted here (only in arguments, env values and health.url)',
        ],
        [
          8,
          'services.r.cwd',
          '{replica} is not substituted here (only in arguments, env values and health.url)',
        ],
      ],
    );
  });

  it('rejects a dependency on a replicated service, at the dependsOn entry', () => {
    assert.deepEqual(
      problems(
        svc('    replicas: 2', '    command: [x]', '  api:', '    command: [x]', '    dependsOn: [w]'),
      ),
      [
        [
          7,
          'services.api.dependsOn[0]',
          '"w" has replicas; a service cannot depend on a replicated one (scaling it would restart this one)',
        ],
      ],
    );
  });

  it('still rejects a bad health URL with {replica} in it', () => {
    assert.deepEqual(
      problems(svc('    replicas: 2', '    command: [x]', '    health: { url: "ftp://h:{replica}/" }')),
      [[5, 'services.w.health.url', 'must be an http(s) URL']],
    );
  });
});

describe('instances', () => {
  it('expands into <name>@1..N with {replica} and VIGIL_REPLICA substituted', () => {
    const inst = expandReplicas([worker()]);
    assert.deepEqual(
      inst.map((s) => s.name),
      ['w@1', 'w@2', 'w@3'],
    );
    const two = inst[1]!;
    assert.deepEqual(two.command, ['/usr/bin/python3', 'w.py', '--port=9002']);
    assert.deepEqual(two.env, { PORT: '9002', NAME: 'w-2', PLAIN: 'x%y', VIGIL_REPLICA: '2' });
    assert.equal(two.health?.probe.kind === 'http' && two.health.probe.url, 'http://127.0.0.1:9002/health');
    assert.deepEqual([two.replica?.group, two.replica?.index, two.replicas], ['w', 2, undefined]);
    assert.deepEqual(two.credentials, ['w'], 'the credential set stays the service’s');
    assert.equal(groupOf('w@2'), 'w');
    assert.equal(groupOf('w'), 'w');
    assert.equal(replicaIndexOf('w@12'), 12);
    assert.equal(replicaIndexOf('w'), null);
    assert.ok(
      INSTALLED_NAME_RE.test('w@64') && !INSTALLED_NAME_RE.test('w@0') && !INSTALLED_NAME_RE.test('w@'),
    );
  });

  it('names: a replicated service stands for its instances, by index', () => {
    assert.deepEqual(expandNames(['w', 'api', 'x@1'], ['api', 'w@10', 'w@2', 'x@1']), [
      'w@2',
      'w@10',
      'api',
      'x@1',
    ]);
  });
});

describe('plan', () => {
  const d = (service: string, hash = 'h') => ({ service, hash });
  const c = (service: string, hash = 'h') => ({ service, recordedHash: hash, drifted: false });

  it('scaling up creates the new instances and leaves the others unchanged', () => {
    const p = planApply([d('w@1'), d('w@2'), d('w@3')], [c('w@1'), c('w@2')], false);
    assert.deepEqual(
      [p.create.map((x) => x.service), p.unchanged.map((x) => x.service), p.update, p.remove],
      [['w@3'], ['w@1', 'w@2'], [], []],
    );
  });

  it('instances beyond replicas are removed without --prune; other services stay orphans', () => {
    const p = planApply([d('w@1')], [c('w@1'), c('w@2'), c('w@3'), c('old')], false);
    assert.deepEqual(
      [p.remove.map((x) => x.service), p.orphans.map((x) => x.service)],
      [['w@2', 'w@3'], ['old']],
    );
  });

  it('a plain service that gets replicas is replaced by its instances (and back)', () => {
    assert.deepEqual(
      planApply([d('w@1'), d('w@2')], [c('w')], false).remove.map((x) => x.service),
      ['w'],
    );
    assert.deepEqual(
      planApply([d('w')], [c('w@1'), c('w@2')], false).remove.map((x) => x.service),
      ['w@1', 'w@2'],
    );
  });
});

const paths = vigilPaths({ HOME: '/home/ada', VIGIL_HOME: '/home/ada/vh' });

describe('systemd: one template unit for all instances', () => {
  const ctx = { paths, launcher: '/opt/vigil/dist/bin/vigil-launch' };
  const units = expandReplicas([worker()]).map((s) => renderUnit(s, ctx));

  it('every instance renders the same template file, with %i for the index', () => {
    assert.deepEqual(
      units.map((u) => [u.unit, u.path]),
      [1, 2, 3].map((i) => [`vigil-w@${i}.service`, '/home/ada/.config/systemd/user/vigil-w@.service']),
    );
    assert.equal(new Set(units.map((u) => u.content)).size, 1);
    assert.equal(new Set(units.map((u) => u.hash)).size, 1);
    const text = units[0]!.content;
    assert.match(text, /^Description=Vigil service w@%i$/m);
    assert.match(text, /"--service" "w@%i" "--log" "\/home\/ada\/vh\/logs\/w@%i.log"/);
    assert.match(text, /"--" "\/usr\/bin\/python3" "w.py" "--port=900%i"$/m);
    assert.match(text, /^Environment="PORT=900%i"$/m);
    assert.match(text, /^Environment="VIGIL_REPLICA=%i"$/m);
    // A literal % of the user's is still doubled (a specifier otherwise).
    assert.match(text, /^Environment="PLAIN=x%%y"$/m);
    assert.match(text, /^ExecStopPost=-.*"w@%i" "\/home\/ada\/vh\/state\/w@%i.end"$/m);
    assert.match(text, new RegExp(`^X-Vigil-Hash=${units[0]!.hash}$`, 'm'));
    assert.equal(unitFileName('w@3'), 'vigil-w@.service');
    assert.equal(unitFileName('w'), 'vigil-w.service');
  });

  it('the count is not in the template: scaling does not change it', () => {
    const five = renderUnit(instanceSpec({ ...worker(), replicas: 5 }, 4), ctx);
    assert.equal(five.hash, units[0]!.hash);
    const changed = renderUnit(instanceSpec({ ...worker(), env: { PORT: '1' } }, 1), ctx);
    assert.notEqual(changed.hash, units[0]!.hash);
  });
});

describe('launchd: one LaunchAgent per instance', () => {
  it('each instance has its own label, plist, log and substituted argv and env', () => {
    const ctx = {
      paths,
      agentDir: '/home/ada/Library/LaunchAgents',
      launcher: '/opt/vigil/dist/bin/vigil-launch',
    };
    const plists = expandReplicas([worker()]).map((s) => renderPlist(s, ctx));
    assert.deepEqual(
      plists.map((p) => [p.unit, p.path]),
      [1, 2, 3].map((i) => [`dev.vigil.w@${i}`, `/home/ada/Library/LaunchAgents/dev.vigil.w@${i}.plist`]),
    );
    const dict = parsePlistFile(Buffer.from(plists[2]!.content))!;
    const argv = dict.ProgramArguments as string[];
    assert.deepEqual(argv.slice(argv.indexOf('--') + 1), ['/usr/bin/python3', 'w.py', '--port=9003']);
    assert.equal(argv[argv.indexOf('--log') + 1], '/home/ada/vh/logs/w@3.log');
    const env = dict.EnvironmentVariables as Record<string, string>;
    assert.deepEqual([env.PORT, env.VIGIL_REPLICA], ['9003', '3']);
  });
});

describe('status groups', () => {
  const row = (name: string, state: ServiceStatus['state'], health: ServiceStatus['health']): ServiceStatus =>
    ({
      name,
      unit: `vigil-${name}.service`,
      state,
      health,
      pid: state === 'running' ? 1 : null,
      restarts: 0,
      since: null,
      lastExit: null,
      drifted: false,
      memoryBytes: null,
      cpuNsec: null,
      ...(name.includes('@') ? { group: groupOf(name), replica: replicaIndexOf(name)! } : {}),
    }) as ServiceStatus;

  it('a dead replica is one replica down: the service is degraded, 2/3 running, not down', () => {
    const doc = withGroups({
      services: [
        row('w@1', 'running', 'healthy'),
        row('w@2', 'crashloop', 'down'),
        row('w@3', 'running', 'healthy'),
        row('db', 'running', 'healthy'),
      ],
      overall: 'down',
    });
    assert.deepEqual(doc.groups, [
      {
        name: 'w',
        replicas: 3,
        running: 2,
        state: 'running',
        health: 'degraded',
        instances: ['w@1', 'w@2', 'w@3'],
      },
    ]);
    assert.equal(doc.overall, 'degraded');
  });

  it('all healthy is healthy; none running is down; no groups without replicas', () => {
    assert.equal(
      groupStatuses([row('w@1', 'running', 'healthy'), row('w@2', 'running', 'healthy')])[0]!.health,
      'healthy',
    );
    assert.equal(
      groupStatuses([row('w@1', 'failed', 'down'), row('w@2', 'crashloop', 'down')])[0]!.health,
      'down',
    );
    const plain = { services: [row('db', 'running', 'healthy')] };
    assert.equal(withGroups(plain), plain);
  });
});

describe('vigil scale: the manifest edit', () => {
  it('sets or adds services.NAME.replicas, keeping comments and other keys', () => {
    const text =
      '# stack\nservices:\n  # workers\n  w:\n    command: [x] # run\n  db:\n    replicas: 2\n    command: [y]\n';
    const added = setReplicasInText(text, 'w', 5);
    assert.match(added, /^ {2}w:\n {4}replicas: 5\n {4}command: \[ x \] # run$/m);
    assert.match(added, /^# stack$/m);
    assert.match(added, /^ {2}# workers$/m);
    assert.match(setReplicasInText(text, 'db', 7), /^ {4}replicas: 7$/m);
    assert.equal(parse(added).manifest.services.find((s) => s.name === 'w')!.replicas, 5);
    assert.throws(() => setReplicasInText(text, 'nope', 2), /no service "nope"/);
  });
});

describe('vigil scale: refused before anything is touched', () => {
  const io = (cwd: string) => {
    const err: string[] = [];
    return {
      err,
      io: {
        out: () => undefined,
        err: (t: string) => void err.push(t),
        stdin: process.stdin,
        env: { VIGIL_HOME: path.join(cwd, 'vh'), PATH: process.env.PATH },
        cwd,
      },
    };
  };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-scale-'));
  writeFileSync(
    path.join(dir, 'vigil.yaml'),
    'services:\n  db: { command: [/bin/sleep, "9"] }\n  api: { command: [/bin/sleep, "9"], dependsOn: [db] }\n',
  );

  for (const [args, code, message] of [
    [['scale', 'db', '2'], 2, /cannot scale db: api depends on it/],
    [['scale', 'nope', '2'], 2, /has no service "nope" \(services: db, api\)/],
    [['scale', 'api', '65'], 2, /N must be a whole number from 1 to 64, not "65"/],
    [['scale', 'api', '0'], 2, /N must be a whole number from 1 to 64, not "0"/],
    [['scale', 'api'], 2, /usage: vigil scale NAME N/],
  ] as const)
    it(`${args.join(' ')} → exit ${code}`, async () => {
      const { io: fake, err } = io(dir);
      assert.equal(await main([...args], fake), code);
      assert.match(err.join(''), message);
      assert.ok(!existsSync(path.join(dir, 'vh')), 'nothing written');
    });
  after(() => rmSync(dir, { recursive: true, force: true }));
});
