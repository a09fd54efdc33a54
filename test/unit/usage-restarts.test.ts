import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { countsAsRestart } from '../../agent/app/usage/watch.js';
import type { VigilEvent } from '../../agent/core/events.js';

const ev = (over: Partial<VigilEvent>): VigilEvent => ({
  id: 1,
  key: 'k',
  at: 1,
  service: 'worker',
  type: 'crashed',
  severity: 'warning',
  message: 'm',
  ...over,
});

describe('restarts the runaway check counts', () => {
  it('counts real crashes, kills and oom-kills', () => {
    for (const type of ['crashed', 'oom-killed', 'killed'] as const)
      assert.equal(countsAsRestart(ev({ type })), true);
  });
  it('does not count an end told twice: the hook amending the launcher record of the same run', () => {
    assert.equal(countsAsRestart(ev({ type: 'oom-killed', data: { amends: 1 } })), false);
  });
  it('does not count restarts Vigil asked for, or events of no service', () => {
    assert.equal(countsAsRestart(ev({ type: 'restarted' })), false);
    assert.equal(countsAsRestart(ev({ service: null })), false);
  });
});
