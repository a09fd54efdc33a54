/** The manifest's `logs:` rotation settings: top level, per service, defaults, and located errors. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_LOG_KEEP, DEFAULT_LOG_MAX_BYTES } from '../../agent/core/manifest/logs-part.js';
import { parse, problems, yaml } from '../helpers/manifest.js';

const byName = (text: string) => new Map(parse(text).manifest.services.map((s) => [s.name, s.logs]));

describe('manifest: logs', () => {
  it('defaults to 10 MiB and 5 kept files', () => {
    assert.deepEqual(byName(yaml('services:', '  a:', '    command: [x]')).get('a'), {
      maxBytes: DEFAULT_LOG_MAX_BYTES,
      keep: DEFAULT_LOG_KEEP,
    });
    assert.deepEqual([DEFAULT_LOG_MAX_BYTES, DEFAULT_LOG_KEEP], [10 * 1024 * 1024, 5]);
  });

  it('the top level applies to every service; a service overrides it key by key', () => {
    const logs = byName(
      yaml(
        'logs: { maxBytes: 1M, keep: 3 }',
        'services:',
        '  a:',
        '    command: [x]',
        '  b:',
        '    command: [x]',
        '    logs: { keep: 20 }',
        '  c:',
        '    command: [x]',
        '    logs: { maxBytes: 65536, keep: 0 }',
        '  d:',
        '    command: [x]',
        '    logs: { maxBytes: 1.5K }',
      ),
    );
    assert.deepEqual(Object.fromEntries(logs), {
      a: { maxBytes: 1048576, keep: 3 },
      b: { maxBytes: 1048576, keep: 20 },
      c: { maxBytes: 65536, keep: 0 },
      d: { maxBytes: 1536, keep: 3 },
    });
  });

  it('bad values and unknown keys are located errors', () => {
    assert.deepEqual(
      problems(
        yaml(
          'logs: { maxBytes: 10, keepp: 2 }',
          'services:',
          '  a:',
          '    command: [x]',
          '    logs: { keep: -1, maxBytes: lots }',
          '  b:',
          '    command: [x]',
          '    logs: { keep: 1001 }',
          '  c:',
          '    command: [x]',
          '    logs: { keep: 2.5 }',
        ),
      ),
      [
        [1, 'logs.maxBytes', 'must be a size such as 512K, 10M or 1G (at least 1K)'],
        [1, 'logs.keepp', 'unknown key'],
        [5, 'services.a.logs.keep', 'must be >= 0'],
        [5, 'services.a.logs.maxBytes', 'must be a size such as 512K, 10M or 1G (at least 1K)'],
        [8, 'services.b.logs.keep', 'must be <= 1000'],
        [11, 'services.c.logs.keep', 'must be a whole number'],
      ],
    );
  });
});
