/** parseManifest on `health:` probes (url, tcp, exec — exactly one) and `restartAfterFailures`. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse, problems, yaml } from '../helpers/manifest.js';
import { describeProbe, parseTcpTarget } from '../../agent/core/health/probe-spec.js';

/** A manifest with one service `w` whose health block is the given lines (starting at line 5). */
const health = (...lines: string[]) => yaml('services:', '  w:', '    command: [x]', '    health:', ...lines);

const only = (text: string) => parse(text).manifest.services[0]!.health;

describe('parseManifest: health probes', () => {
  it('reads each of the three kinds into a probe spec, with the defaults', () => {
    assert.deepEqual(only(health('      url: http://127.0.0.1:8080/health')), {
      probe: { kind: 'http', url: 'http://127.0.0.1:8080/health' },
      intervalSec: 10,
      timeoutSec: 2,
    });
    assert.deepEqual(only(health('      tcp: "127.0.0.1:6379"', '      restartAfterFailures: 3'))!, {
      probe: { kind: 'tcp', host: '127.0.0.1', port: 6379 },
      intervalSec: 10,
      timeoutSec: 2,
      restartAfterFailures: 3,
    });
    assert.deepEqual(only(health('      tcp: localhost:5432'))!.probe, {
      kind: 'tcp',
      host: 'localhost',
      port: 5432,
    });
    assert.deepEqual(only(health('      tcp: "[::1]:6379"'))!.probe, {
      kind: 'tcp',
      host: '::1',
      port: 6379,
    });
  });

  it('an exec argv is kept as written, its program found on PATH, run in the service cwd', () => {
    const text = yaml(
      'services:',
      '  w:',
      '    command: [x]',
      '    cwd: work',
      '    health:',
      '      exec: [redis-cli, -p, 6379, ping]',
      '      timeoutSec: 1',
    );
    assert.deepEqual(only(text), {
      probe: { kind: 'exec', argv: ['/usr/bin/redis-cli', '-p', '6379', 'ping'], cwd: '/srv/agent/work' },
      intervalSec: 10,
      timeoutSec: 1,
    });
    // A relative program is relative to the cwd (the manifest's directory without one), like `command`.
    assert.deepEqual(only(health('      exec: [./check.sh]'))!.probe, {
      kind: 'exec',
      argv: ['/srv/agent/check.sh'],
    });
  });

  it('two probe kinds at once: an error at each of their keys', () => {
    const two = 'only one probe per service (url, tcp or exec), but url and tcp are set; keep one';
    assert.deepEqual(problems(health('      url: http://127.0.0.1/h', '      tcp: "127.0.0.1:6379"')), [
      [5, 'services.w.health.url', two],
      [6, 'services.w.health.tcp', two],
    ]);
    const three = 'only one probe per service (url, tcp or exec), but url and tcp and exec are set; keep one';
    assert.deepEqual(
      problems(health('      exec: [true]', '      tcp: "127.0.0.1:6379"', '      url: http://127.0.0.1/h')),
      [
        [5, 'services.w.health.exec', three],
        [6, 'services.w.health.tcp', three],
        [7, 'services.w.health.url', three],
      ],
    );
  });

  it('malformed tcp targets, each at its key', () => {
    const HINT = 'must be host:port, such as "127.0.0.1:6379" or "[::1]:6379"';
    for (const v of [
      '6379',
      '"127.0.0.1"',
      '"127.0.0.1:0"',
      '"127.0.0.1:65536"',
      '"host:port"',
      '":6379"',
      '"a b:1"',
      '"http://x:1"',
      '"::1:6379"',
      '[a, b]',
    ]) {
      assert.deepEqual(problems(health(`      tcp: ${v}`)), [[5, 'services.w.health.tcp', HINT]], v);
    }
  });

  it('malformed exec argv: a shell string, empty, an empty or missing program', () => {
    assert.deepEqual(problems(health('      exec: redis-cli ping')), [
      [
        5,
        'services.w.health.exec',
        'must be a list of arguments (argv), not a shell string; write it as [redis-cli, ping]',
      ],
    ]);
    assert.deepEqual(problems(health('      exec: []')), [
      [5, 'services.w.health.exec', 'must name at least the program to run'],
    ]);
    assert.deepEqual(problems(health('      exec: ["", x]')), [
      [5, 'services.w.health.exec[0]', 'the program must not be empty'],
    ]);
    assert.deepEqual(problems(health('      exec: [missing-prog]')), [
      [5, 'services.w.health.exec[0]', 'program "missing-prog" not found on PATH; give an absolute path'],
    ]);
    assert.deepEqual(problems(health('      exec: [$HOME/check]')), [
      [
        5,
        'services.w.health.exec[0]',
        '"~" and "$VARIABLES" are not expanded; give an absolute path or a program name',
      ],
    ]);
  });

  it('restartAfterFailures must be a whole number >= 1', () => {
    const cases: [string, string][] = [
      ['0', 'must be >= 1'],
      ['-2', 'must be >= 1'],
      ['1.5', 'must be a whole number'],
      ['1001', 'must be <= 1000'],
      ['three', 'must be a number, not the string "three"'],
    ];
    for (const [v, message] of cases) {
      assert.deepEqual(
        problems(health('      url: http://127.0.0.1/h', `      restartAfterFailures: ${v}`)),
        [[6, 'services.w.health.restartAfterFailures', message]],
        v,
      );
    }
  });

  it('describes probes for people', () => {
    assert.equal(describeProbe({ kind: 'tcp', host: '::1', port: 6379 }), 'tcp [::1]:6379');
    assert.equal(
      describeProbe({ kind: 'exec', argv: ['/usr/bin/redis-cli', 'ping'] }),
      'exec /usr/bin/redis-cli ping',
    );
    assert.equal(describeProbe({ kind: 'http', url: 'http://x/h' }), 'http://x/h');
    assert.deepEqual(parseTcpTarget('db.internal:5432'), { host: 'db.internal', port: 5432 });
  });
});
