/** The manifest's `otlp:` key: the loopback listener, the service.name mapping, errors with file:line. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse, problems, yaml } from '../helpers/manifest.js';

const SERVICES = ['services:', '  core:', '    command: [python3, -m, agent]'];

describe('manifest otlp:', () => {
  it('reads listen, tokenFile and services', () => {
    const { manifest } = parse(
      yaml(
        ...SERVICES,
        'otlp:',
        '  listen: "127.0.0.1:4318"',
        '  tokenFile: /srv/agent/otlp.token',
        '  services: { claude-code: core }',
      ),
    );
    assert.deepEqual(manifest.otlp, {
      host: '127.0.0.1',
      port: 4318,
      tokenFile: '/srv/agent/otlp.token',
      services: { 'claude-code': 'core' },
    });
    assert.deepEqual(parse(yaml(...SERVICES, 'otlp: { listen: "[::1]:4318" }')).manifest.otlp, {
      host: '::1',
      port: 4318,
      tokenFile: null,
      services: {},
    });
    assert.equal(parse(yaml(...SERVICES)).manifest.otlp, undefined, 'absent: off');
  });

  it('refuses a listener off loopback, a bad port, a relative token file and unknown keys, by line', () => {
    assert.deepEqual(problems(yaml(...SERVICES, 'otlp:', '  listen: "0.0.0.0:4318"')), [
      [
        5,
        'otlp.listen',
        'must be a loopback address and port: "127.0.0.1:4318", "localhost:4318" or "[::1]:4318"',
      ],
    ]);
    assert.equal(problems(yaml(...SERVICES, 'otlp: { listen: "127.0.0.1:70000" }'))[0]![1], 'otlp.listen');
    assert.deepEqual(
      problems(
        yaml(...SERVICES, 'otlp:', '  listen: "localhost:4318"', '  tokenFile: otlp.token', '  port: 1'),
      ),
      [
        [6, 'otlp.tokenFile', 'must be an absolute path'],
        [7, 'otlp.port', 'unknown key'],
      ],
    );
    assert.deepEqual(problems(yaml(...SERVICES, 'otlp: {}')), [[4, 'otlp.listen', 'is required']]);
  });

  it('maps service.name only to manifest services', () => {
    assert.deepEqual(
      problems(
        yaml(...SERVICES, 'otlp:', '  listen: "127.0.0.1:4318"', '  services:', '    claude-code: cor'),
      ),
      [[7, 'otlp.services.claude-code', 'unknown service "cor"']],
    );
  });
});
