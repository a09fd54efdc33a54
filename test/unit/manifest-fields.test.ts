/** parseManifest on invalid fields: unknown keys, wrong types, limits, URLs, dependsOn — each located. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { onlyProblem, problems, yaml } from '../helpers/manifest.js';

/** A manifest with one service `w` whose body is the given lines (starting at line 3). */
const svc = (...body: string[]) => yaml('services:', '  w:', ...body);

describe('parseManifest: unknown keys and wrong types', () => {
  it('reports an unknown key at its own line with its full path', () => {
    const p = onlyProblem(
      svc('    command: [x]', '    restart:', '      policy: always', '      polcy: always'),
    );
    assert.deepEqual(
      [p.line, p.column, p.path, p.message],
      [6, 7, 'services.w.restart.polcy', 'unknown key'],
    );
  });

  it('reports each unknown key of a service separately', () => {
    assert.deepEqual(
      problems(
        svc(
          '    comand: [x]',
          '    command: [x]',
          '    health: { url: "http://x/", retries: 3 }',
          '    envs: {}',
        ),
      ),
      [
        [3, 'services.w.comand', 'unknown key'],
        [5, 'services.w.health.retries', 'unknown key'],
        [6, 'services.w.envs', 'unknown key'],
      ],
    );
  });

  it('says what was expected and what was found', () => {
    assert.deepEqual(
      problems(
        svc(
          '    command: [x]',
          '    description: 42',
          '    restart:',
          '      delaySec: soon',
          '      burst: 1.5',
          '      policy: sometimes',
          '      intervalSec: -1',
          '    dependsOn: db',
          '    credentials: [Bad Set]',
          '    env: [A=1]',
        ),
      ),
      [
        [6, 'services.w.restart.delaySec', 'must be a number, not the string "soon"'],
        [7, 'services.w.restart.burst', 'must be an integer, not the number 1.5'],
        [8, 'services.w.restart.policy', 'must be one of always, on-failure, no'],
        [9, 'services.w.restart.intervalSec', 'must be >= 0'],
        [
          10,
          'services.w.dependsOn',
          'must be a list of services or a map of service: healthy | started, not the string "db"',
        ],
        [11, 'services.w.credentials[0]', 'must be a credential set name ([a-z0-9][a-z0-9_-]*)'],
        [12, 'services.w.env', 'must be a map, not a list'],
      ],
    );
  });

  it('checks env keys and values', () => {
    assert.deepEqual(
      problems(svc('    command: [x]', '    env:', '      1BAD: x', '      EMPTY:', '      OK: fine')),
      [
        [5, 'services.w.env.1BAD', 'must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)'],
        [6, 'services.w.env.EMPTY', 'must be a string (write "" for an empty value)'],
      ],
    );
  });

  it('rejects a service that is empty or not a map', () => {
    assert.deepEqual(problems(yaml('services:', '  w:', '  v: [x]')), [
      [2, 'services.w', 'must be a map, not empty'],
      [3, 'services.v', 'must be a map, not a list'],
    ]);
  });

  it('rejects out-of-range restart and health numbers', () => {
    assert.deepEqual(
      problems(
        svc(
          '    command: [x]',
          '    restart: { burst: 0, delaySec: 3601 }',
          '    health: { url: "http://x/", intervalSec: 0, timeoutSec: -2 }',
        ),
      ).map(([, p, m]) => [p, m]),
      [
        ['services.w.restart.burst', 'must be >= 1'],
        ['services.w.restart.delaySec', 'must be <= 3600'],
        ['services.w.health.intervalSec', 'must be > 0'],
        ['services.w.health.timeoutSec', 'must be > 0'],
      ],
    );
  });
});

describe('parseManifest: limits and URLs', () => {
  const MEM = 'must be a size such as 512M, 2G or a number of bytes';
  const CPU = 'must be a percentage of one core such as 50% or 200%';

  it('rejects bad memory sizes', () => {
    for (const memory of ['2X', 'lots', '-1G', '0', '0M', '2iB', '1.5', '2 G B', '[1]', 'true']) {
      assert.deepEqual(
        problems(svc('    command: [x]', '    limits:', `      memory: ${memory}`)),
        [[5, 'services.w.limits.memory', MEM]],
        memory,
      );
    }
  });

  it('rejects bad cpu quotas', () => {
    for (const cpu of ['"200"', '0%', '-5%', '0', 'fast', '"%"', '100001%', '[50%]']) {
      assert.deepEqual(
        problems(svc('    command: [x]', '    limits:', `      cpu: ${cpu}`)),
        [[5, 'services.w.limits.cpu', CPU]],
        cpu,
      );
    }
  });

  it('requires http(s) URLs for health and metrics', () => {
    for (const url of ['ftp://host/x', 'not a url', 'localhost:8080/health', '/healthz']) {
      assert.deepEqual(problems(svc('    command: [x]', '    health:', `      url: "${url}"`)), [
        [5, 'services.w.health.url', 'must be an http(s) URL'],
      ]);
    }
    assert.deepEqual(problems(svc('    command: [x]', '    metrics: {}')), [
      [4, 'services.w.metrics.url', 'is required'],
    ]);
    assert.deepEqual(problems(svc('    command: [x]', '    health:', '      intervalSec: 5')), [
      [4, 'services.w.health', 'needs a probe: set one of url, tcp or exec'],
    ]);
  });
});

describe('parseManifest: dependsOn', () => {
  it('rejects unknown services and self-dependency, at the entry', () => {
    assert.deepEqual(
      problems(yaml('services:', '  w:', '    command: [x]', '    dependsOn:', '      - w', '      - db')),
      [
        [5, 'services.w.dependsOn[0]', 'a service cannot depend on itself'],
        [6, 'services.w.dependsOn[1]', 'unknown service "db"'],
      ],
    );
  });

  it('rejects a cycle, showing the chain, at the entry that closes it', () => {
    const text = yaml(
      'services:',
      '  a:',
      '    command: [x]',
      '    dependsOn: [c, b]',
      '  b:',
      '    command: [x]',
      '    dependsOn: [c]',
      '  c:',
      '    command: [x]',
      '    dependsOn: [a]',
    );
    const p = onlyProblem(text);
    assert.equal(p.message, 'dependency cycle: a → c → a');
    assert.deepEqual([p.line, p.column, p.path], [4, 17, 'services.a.dependsOn[0]']);
    const longer = yaml(
      'services:',
      '  a:',
      '    command: [x]',
      '    dependsOn: [b]',
      '  b:',
      '    command: [x]',
      '    dependsOn: [c]',
      '  c:',
      '    command: [x]',
      '    dependsOn: [a]',
    );
    assert.equal(onlyProblem(longer).message, 'dependency cycle: a → b → c → a');
  });
});
