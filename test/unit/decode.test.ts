import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeExit, isFailure } from '../../agent/core/supervise/decode.js';
import { planApply, describePlan } from '../../agent/core/plan.js';
import { worstState } from '../../agent/core/status.js';

describe('why it died', () => {
  it('decodes exit codes, signals, core dumps, OOM and systemd exec failures', () => {
    assert.equal(
      decodeExit({ result: 'exit-code', how: 'exited', code: 3, signal: null }).reason,
      'exited with code 3',
    );
    assert.match(
      decodeExit({ result: 'signal', how: 'killed', code: null, signal: 'KILL' }).reason,
      /SIGKILL/,
    );
    assert.equal(
      decodeExit({ result: 'signal', how: 'killed', code: null, signal: 'KILL' }).signal,
      'SIGKILL',
    );
    assert.match(
      decodeExit({ result: 'core-dump', how: 'dumped', code: null, signal: 'SEGV' }).reason,
      /segmentation fault.*core dumped/,
    );
    assert.match(
      decodeExit({ result: 'oom-kill', how: 'killed', code: null, signal: 'KILL' }).reason,
      /out-of-memory/,
    );
    assert.match(
      decodeExit({ result: 'exit-code', how: 'exited', code: 203, signal: null }).reason,
      /203\/EXEC/,
    );
    assert.match(
      decodeExit({ result: 'exit-code', how: 'exited', code: 127, signal: null }).reason,
      /not found/,
    );
  });

  it('a clean exit or a requested stop is not a failure', () => {
    assert.equal(isFailure({ result: 'success', how: 'exited', code: 0, signal: null }), false);
    assert.equal(isFailure({ result: 'success', how: 'killed', code: null, signal: 'SIGTERM' }), false);
    assert.equal(isFailure({ result: 'exit-code', how: 'exited', code: 1, signal: null }), true);
    assert.equal(isFailure({ result: 'signal', how: 'killed', code: null, signal: 'SIGKILL' }), true);
  });
});

describe('apply plan', () => {
  const d = (service: string, hash: string) => ({ service, hash });
  const c = (service: string, recordedHash: string, drifted = false) => ({ service, recordedHash, drifted });

  it('creates new, updates changed and drifted, leaves unchanged, prunes only when asked', () => {
    const plan = planApply(
      [d('a', '1'), d('b', '2'), d('c', '3'), d('e', '5')],
      [c('b', '2'), c('c', 'old'), c('d', '4'), c('e', '5', true)],
      false,
    );
    assert.deepEqual(
      plan.create.map((x) => x.service),
      ['a'],
    );
    assert.deepEqual(
      plan.update.map((x) => [x.desired.service, x.reason]),
      [
        ['c', 'changed'],
        ['e', 'drifted'],
      ],
    );
    assert.deepEqual(
      plan.unchanged.map((x) => x.service),
      ['b'],
    );
    assert.deepEqual(plan.remove, []);
    assert.deepEqual(
      plan.orphans.map((x) => x.service),
      ['d'],
    );
    const pruned = planApply([d('a', '1')], [c('d', '4')], true);
    assert.deepEqual(
      pruned.remove.map((x) => x.service),
      ['d'],
    );
    assert.match(
      describePlan(plan).join('\n'),
      /\+ a: install and start[\s\S]*~ c: changed[\s\S]*\? d: .*--prune/,
    );
  });

  it('worst state ranks crashloop over failed over stopped over running', () => {
    assert.equal(worstState(['running', 'stopped', 'failed']), 'failed');
    assert.equal(worstState(['running', 'crashloop', 'failed']), 'crashloop');
    assert.equal(worstState([]), 'running');
  });
});
