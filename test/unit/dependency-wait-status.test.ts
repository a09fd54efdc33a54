/** "waiting for redis … to be healthy" from systemd's StatusText= to the status document and `vigil status`. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseShow, toObservedStatus } from '../../agent/adapters/systemd/show-parser.js';
import { serviceStatus } from '../../agent/core/supervise/view.js';
import { loopRule } from '../../agent/core/supervise/model.js';
import { statusTable } from '../../agent/cli/format.js';
import type { ObservedStatus } from '../../agent/core/observed.js';

const NOTE = 'waiting for redis (tcp 127.0.0.1:6379) to be healthy';
const show = (active: string, sub: string, statusText: string) =>
  [
    'Id=vigil-web.service',
    'LoadState=loaded',
    `ActiveState=${active}`,
    `SubState=${sub}`,
    'MainPID=4242',
    `StatusText=${statusText}`,
  ].join('\n');

const view = (o: ObservedStatus, waitsFor?: string[]) =>
  serviceStatus({
    name: 'web',
    unit: o.unit,
    observed: o,
    snapshot: undefined,
    policy: 'always',
    rule: loopRule({ burst: 5, intervalSec: 60 }),
    drifted: false,
    now: Date.now(),
    ...(waitsFor ? { waitsFor } : {}),
  });

describe('waiting for a healthy dependency, in the status', () => {
  it('systemd StatusText= becomes the observed note (absent when empty)', () => {
    const o = toObservedStatus(
      'web',
      'vigil-web.service',
      parseShow(show('activating', 'start', NOTE)).get('vigil-web.service'),
    );
    assert.equal(o.note, NOTE);
    const none = toObservedStatus(
      'web',
      'vigil-web.service',
      parseShow(show('active', 'running', '')).get('vigil-web.service'),
    );
    assert.equal('note' in none, false);
  });

  it('a starting service shows what it waits for; a running one does not, whatever its status text', () => {
    const waiting = view(
      toObservedStatus(
        'web',
        'vigil-web.service',
        parseShow(show('activating', 'start', NOTE)).get('vigil-web.service'),
      ),
    );
    assert.equal(waiting.state, 'starting');
    assert.equal(waiting.waiting, NOTE);
    assert.match(
      statusTable([waiting], Date.now()),
      /starting: waiting for redis \(tcp 127\.0\.0\.1:6379\) to be healthy/,
    );
    const running = view(
      toObservedStatus(
        'web',
        'vigil-web.service',
        parseShow(show('active', 'running', NOTE)).get('vigil-web.service'),
      ),
    );
    assert.equal(running.state, 'running');
    assert.equal('waiting' in running, false);
    const other = view(
      toObservedStatus(
        'web',
        'vigil-web.service',
        parseShow(show('activating', 'start', 'loading model')).get('vigil-web.service'),
      ),
    );
    assert.equal('waiting' in other, false);
  });

  it('the launcher giving up (exit 75) reads as such for a service with healthy dependencies, and only then', () => {
    const gaveUp = toObservedStatus(
      'web',
      'vigil-web.service',
      parseShow(
        [
          'Id=vigil-web.service',
          'LoadState=loaded',
          'ActiveState=activating',
          'SubState=auto-restart',
          'Result=exit-code',
          'ExecMainCode=1',
          'ExecMainStatus=75',
        ].join('\n'),
      ).get('vigil-web.service'),
    );
    assert.equal(
      view(gaveUp, ['redis']).lastExit?.reason,
      'not started: redis was not healthy in time (vigil-launch gave up, exit 75; see its log)',
    );
    assert.match(
      view(gaveUp, ['redis', 'db']).lastExit?.reason ?? '',
      /^not started: one of redis, db was not healthy/,
    );
    assert.equal(view(gaveUp).lastExit?.reason, 'exited with code 75');
  });
});
