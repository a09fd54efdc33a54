/** The dashboard's and tray's words for a stop under way, a stop timeout and an agent-enforced memory limit. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STATE_LABEL, STATE_TONE, whyItDied } from '../../renderer/src/format.js';
import { buildTrayMenu, type TrayState } from '../../electron/tray-menu.js';
import type { VigilEvent } from '../../renderer/src/store/types.js';

const ev = (over: Partial<VigilEvent>): VigilEvent => ({
  id: 1,
  key: 'k',
  at: 0,
  service: 'web',
  type: 'crashed',
  severity: 'warning',
  message: 'm',
  ...over,
});

test('stopping: its own label and a warning tone, in the dashboard and the tray menu', () => {
  assert.equal(STATE_LABEL.stopping, 'Stopping');
  assert.equal(STATE_TONE.stopping, 'warn');
  const s: TrayState = {
    connection: 'connected',
    problem: null,
    services: [{ name: 'web', state: 'stopping', health: 'down' }],
    budget: null,
    budgetLifted: false,
  } as unknown as TrayState;
  const labels = JSON.stringify(buildTrayMenu(s));
  assert.match(labels, /web.{0,20}stopping/);
});

test('why it died: a stop timeout and an agent-enforced memory limit say so', () => {
  const reason = 'did not stop within its stop timeout (2 s) and was killed (SIGKILL)';
  assert.equal(
    whyItDied(
      ev({ type: 'stop-timeout', exit: { code: null, signal: 'SIGKILL', result: 'timeout', reason } }),
    ),
    `Did not stop in time: ${reason}.`,
  );
  assert.match(
    whyItDied(
      ev({
        type: 'oom-killed',
        exit: { code: null, signal: 'SIGKILL', result: 'memory-limit', reason: 'x' },
      }),
    ),
    /Vigil ended it/,
  );
  assert.match(
    whyItDied(
      ev({ type: 'oom-killed', exit: { code: null, signal: 'SIGKILL', result: 'oom-kill', reason: 'x' } }),
    ),
    /kernel/,
  );
});
