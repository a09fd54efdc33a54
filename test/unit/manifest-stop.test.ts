/** The manifest's `stopTimeoutSec`: top level, per service, the default, and located errors. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_STOP_TIMEOUT_SEC,
  stopTimeoutOf,
  stopWaitMs,
} from '../../agent/core/manifest/stop-settings.js';
import { parse, problems, yaml } from '../helpers/manifest.js';

const byName = (text: string) =>
  Object.fromEntries(parse(text).manifest.services.map((s) => [s.name, s.stopTimeoutSec]));

describe('manifest: stopTimeoutSec', () => {
  it('defaults to 30 s', () => {
    assert.deepEqual(byName(yaml('services:', '  a:', '    command: [x]')), { a: 30 });
    assert.equal(DEFAULT_STOP_TIMEOUT_SEC, 30);
  });

  it('the top level applies to every service; a service overrides it', () => {
    assert.deepEqual(
      byName(
        yaml(
          'stopTimeoutSec: 90',
          'services:',
          '  a:',
          '    command: [x]',
          '  b:',
          '    command: [x]',
          '    stopTimeoutSec: 2',
        ),
      ),
      { a: 90, b: 2 },
    );
  });

  it('out of range, fractional or not a number: located errors, nothing half-parsed', () => {
    assert.deepEqual(
      problems(
        yaml(
          'stopTimeoutSec: 0',
          'services:',
          '  a:',
          '    command: [x]',
          '    stopTimeoutSec: 3601',
          '  b:',
          '    command: [x]',
          '    stopTimeoutSec: 2.5',
          '  c:',
          '    command: [x]',
          '    stopTimeoutSec: soon',
        ),
      ),
      [
        [1, 'stopTimeoutSec', 'must be >= 1'],
        [5, 'services.a.stopTimeoutSec', 'must be <= 3600'],
        [8, 'services.b.stopTimeoutSec', 'must be a whole number of seconds'],
        [11, 'services.c.stopTimeoutSec', 'must be a whole number of seconds'],
      ],
    );
  });

  it('a client waits the longest stop timeout plus a margin, never less than the default allows', () => {
    assert.equal(stopTimeoutOf({}), 30);
    assert.equal(stopWaitMs([{ stopTimeoutSec: 2 }]), 45_000);
    assert.equal(stopWaitMs([{ stopTimeoutSec: 2 }, { stopTimeoutSec: 600 }]), 615_000);
    assert.equal(stopWaitMs([]), 45_000);
  });
});
