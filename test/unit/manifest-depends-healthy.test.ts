/** `dependsOn` in map form: `{ redis: healthy, proxy: started }` — parsed, normalized, and refused when wrong. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { onlyProblem, parse, problems, yaml } from '../helpers/manifest.js';

const services = (...lines: string[]) =>
  yaml(
    'services:', //                                         1
    '  redis:', //                                           2
    '    command: [redis-server]', //                        3
    '    health: { url: "http://127.0.0.1:6380/", timeoutSec: 3 }', // 4
    '  proxy:', //                                           5
    '    command: [proxy]', //                               6
    ...lines,
  );

describe('dependsOn: map form', () => {
  it('keeps every dependency in dependsOn and the healthy ones, with their probe, in waitFor', () => {
    const { manifest } = parse(
      services('  web:', '    command: [web]', '    dependsOn: { redis: healthy, proxy: started }'),
    );
    const web = manifest.services.find((s) => s.name === 'web');
    assert.ok(web);
    assert.deepEqual(web.dependsOn, ['redis', 'proxy']);
    assert.deepEqual(web.waitFor, [
      { service: 'redis', probe: { kind: 'http', url: 'http://127.0.0.1:6380/' }, timeoutSec: 3 },
    ]);
    assert.deepEqual(
      manifest.services.map((s) => s.name),
      ['redis', 'proxy', 'web'],
    );
  });

  it('the list form and "started" wait for nothing (no waitFor at all)', () => {
    const { manifest } = parse(
      services(
        '  a:',
        '    command: [a]',
        '    dependsOn: [redis]',
        '  b:',
        '    command: [b]',
        '    dependsOn: { redis: started }',
      ),
    );
    for (const name of ['a', 'b']) {
      const s = manifest.services.find((x) => x.name === name);
      assert.deepEqual(s?.dependsOn, ['redis']);
      assert.equal(s && 'waitFor' in s, false);
    }
  });

  it('refuses healthy on a dependency without a probe, naming the key', () => {
    const p = onlyProblem(services('  web:', '    command: [web]', '    dependsOn:', '      proxy: healthy'));
    assert.deepEqual([p.line, p.path], [10, 'services.web.dependsOn.proxy']);
    assert.equal(
      p.message,
      '"proxy" has no health probe to wait for; give it one (services.proxy.health) or write "started"',
    );
  });

  it('refuses healthy on a dependency probed at a URL with credentials (the launcher would not send them)', () => {
    const p = onlyProblem(
      yaml(
        'services:',
        '  api:',
        '    command: [api]',
        '    health: { url: "http://u:pw@127.0.0.1:1/" }',
        '  web:',
        '    command: [web]',
        '    dependsOn: { api: healthy }',
      ),
    );
    assert.deepEqual([p.line, p.path], [7, 'services.web.dependsOn.api']);
    assert.match(p.message, /URL with credentials/);
    assert.doesNotMatch(p.message, /pw/);
  });

  it('waits for tcp and exec probes as normalized (exec program resolved, in the dependency cwd)', () => {
    const { manifest } = parse(
      yaml(
        'services:',
        '  redis:',
        '    command: [redis-server]',
        '    health: { tcp: "127.0.0.1:6379" }',
        '  db:',
        '    command: [postgres]',
        '    cwd: /srv/db',
        '    health: { exec: [pg_isready, -q], timeoutSec: 4 }',
        '  web:',
        '    command: [web]',
        '    dependsOn: { redis: healthy, db: healthy }',
      ),
    );
    assert.deepEqual(manifest.services.find((s) => s.name === 'web')?.waitFor, [
      { service: 'redis', probe: { kind: 'tcp', host: '127.0.0.1', port: 6379 }, timeoutSec: 2 },
      {
        service: 'db',
        probe: { kind: 'exec', argv: ['/usr/bin/pg_isready', '-q'], cwd: '/srv/db' },
        timeoutSec: 4,
      },
    ]);
  });

  it('refuses an unknown condition and a value that is neither list nor map', () => {
    assert.deepEqual(
      problems(
        services(
          '  web:', //                                      7
          '    command: [web]', //                          8
          '    dependsOn:', //                              9
          '      redis: ready', //                          10
          '  w2:', //                                       11
          '    command: [w2]', //                           12
          '    dependsOn: redis', //                        13
        ),
      ),
      [
        [10, 'services.web.dependsOn.redis', 'must be healthy or started, not "ready"'],
        [
          13,
          'services.w2.dependsOn',
          'must be a list of services or a map of service: healthy | started, not the string "redis"',
        ],
      ],
    );
  });

  it('refuses an unknown service and the service itself, at the key', () => {
    assert.deepEqual(
      problems(
        services(
          '  web:',
          '    command: [web]',
          '    dependsOn:',
          '      nope: healthy',
          '      web: started',
        ),
      ),
      [
        [10, 'services.web.dependsOn.nope', 'unknown service "nope"'],
        [11, 'services.web.dependsOn.web', 'a service cannot depend on itself'],
      ],
    );
  });

  it('finds a cycle through the map form, at the key that closes it', () => {
    const p = onlyProblem(
      yaml(
        'services:',
        '  a:',
        '    command: [a]',
        '    health: { url: "http://127.0.0.1:1/" }',
        '    dependsOn: { b: started }',
        '  b:',
        '    command: [b]',
        '    dependsOn: { a: healthy }',
      ),
    );
    assert.equal(p.message, 'dependency cycle: a → b → a');
    assert.deepEqual([p.line, p.path], [5, 'services.a.dependsOn.b']);
  });
});
