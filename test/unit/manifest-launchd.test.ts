/** The manifest's macOS keys: top-level `launchd.labelPrefix`/`processType`, per-service `launchd.processType`. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse, problems, yaml } from '../helpers/manifest.js';

test('no launchd key: specs carry no launchd options (defaults apply when rendering)', () => {
  const { manifest } = parse(yaml('services:', '  web:', '    command: [node, server.js]'));
  assert.equal(manifest.services[0]!.launchd, undefined);
});

test('top-level labelPrefix and processType reach every service; a service may override processType', () => {
  const { manifest } = parse(
    yaml(
      'launchd:',
      '  labelPrefix: com.example.agent',
      '  processType: Background',
      'services:',
      '  web:',
      '    command: [node, server.js]',
      '    launchd: { processType: Interactive }',
      '  cron:',
      '    command: [python3, cron.py]',
    ),
  );
  const by = new Map(manifest.services.map((s) => [s.name, s.launchd]));
  assert.deepEqual(by.get('web'), { labelPrefix: 'com.example.agent', processType: 'Interactive' });
  assert.deepEqual(by.get('cron'), { labelPrefix: 'com.example.agent', processType: 'Background' });
});

test('invalid launchd values are located errors; unknown keys too', () => {
  assert.deepEqual(
    problems(
      yaml(
        'launchd:',
        '  labelPrefix: "not a prefix!"',
        '  label: x',
        'services:',
        '  web:',
        '    command: [node, server.js]',
        '    launchd: { processType: Fast, labelPrefix: com.x }',
      ),
    ),
    [
      [2, 'launchd.labelPrefix', 'must be a reverse-DNS prefix such as com.example.vigil'],
      [3, 'launchd.label', 'unknown key'],
      [7, 'services.web.launchd.processType', 'must be one of Standard, Interactive, Adaptive, Background'],
      [7, 'services.web.launchd.labelPrefix', 'unknown key'],
    ],
  );
});
