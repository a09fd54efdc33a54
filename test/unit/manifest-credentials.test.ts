/** The manifest's top-level `credentials:` map (rotateAfterDays per set) and per-service `credentials`. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { onlyProblem, parse, yaml } from '../helpers/manifest.js';

describe('manifest credentials', () => {
  it('reads rotateAfterDays per set; none at all is an empty map', () => {
    const m = parse(
      yaml(
        'credentials:',
        '  anthropic: { rotateAfterDays: 90 }',
        '  telegram: {}',
        'services:',
        '  core:',
        '    command: [python3]',
        '    credentials: [anthropic, telegram]',
      ),
    ).manifest;
    assert.deepEqual(m.credentials, { anthropic: { rotateAfterDays: 90 }, telegram: {} });
    assert.deepEqual(m.services[0]!.credentials, ['anthropic', 'telegram']);
    assert.deepEqual(parse(yaml('services:', '  core:', '    command: [python3]')).manifest.credentials, {});
    assert.deepEqual(
      parse(yaml('services:', '  core:', '    command: [python3]')).manifest.services[0]!.credentials,
      ['core'],
      'a service loads its own set by default',
    );
  });

  it('an unknown key in a set entry is an error at its line', () => {
    const p = onlyProblem(yaml('credentials:', '  anthropic:', '    rotateAfterDay: 90', 'services: {}'));
    assert.equal(p.line, 3);
    assert.equal(p.path, 'credentials.anthropic.rotateAfterDay');
    assert.equal(p.message, 'unknown key');
  });

  it('rotateAfterDays must be a whole number of days from 1 to 3650', () => {
    assert.match(
      onlyProblem(yaml('credentials:', '  a: { rotateAfterDays: 0 }', 'services: {}')).message,
      />= 1/,
    );
    assert.match(
      onlyProblem(yaml('credentials:', '  a: { rotateAfterDays: 1.5 }', 'services: {}')).message,
      /whole number/,
    );
    assert.match(
      onlyProblem(yaml('credentials:', '  a: { rotateAfterDays: 5000 }', 'services: {}')).message,
      /<= 3650/,
    );
    assert.match(
      onlyProblem(yaml('credentials:', '  a: { rotateAfterDays: "90" }', 'services: {}')).message,
      /must be a number/,
    );
  });

  it('set names follow the credential set rule', () => {
    const p = onlyProblem(yaml('credentials:', '  Bad.Name: { rotateAfterDays: 3 }', 'services: {}'));
    assert.equal(p.path, 'credentials.Bad.Name');
    assert.match(p.message, /credential set name/);
  });

  it('credentials must be a map', () => {
    assert.match(onlyProblem(yaml('credentials: [a, b]', 'services: {}')).message, /must be a map/);
  });
});
