/** `vigil events` as text: a death says why (reason, code, signal, result) and shows the log's last lines. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EVENT_TAIL_LINES, eventLine } from '../../agent/cli/format.js';
import type { VigilEvent } from '../../agent/core/events.js';

const AT = Date.parse('2026-12-02T10:00:00Z');
const ev = (over: Partial<VigilEvent>): VigilEvent => ({
  id: 1,
  key: 'k',
  at: AT,
  service: 'web',
  type: 'started',
  severity: 'info',
  message: 'web started (pid 42)',
  ...over,
});

test('an event without an exit stays one line', () => {
  assert.equal(eventLine(ev({})), '2026-12-02T10:00:00.000Z    started         web started (pid 42)');
});

test('a crash shows the exit reason with code and result, then the last log lines, aligned', () => {
  const tail = Array.from({ length: 8 }, (_, i) => `line ${i}`);
  tail.push('Traceback: KeyError \x1b[31m"API_KEY"\r');
  const text = eventLine(
    ev({
      type: 'crashed',
      severity: 'warning',
      message: 'web exited with code 3',
      exit: { code: 3, signal: null, result: 'exit-code', reason: 'exited with code 3' },
      logTail: tail,
    }),
  );
  const lines = text.split('\n');
  assert.equal(lines[0], '2026-12-02T10:00:00.000Z !  crashed         web exited with code 3');
  const pad = ' '.repeat('2026-12-02T10:00:00.000Z !  crashed         '.length);
  assert.equal(lines[1], `${pad}why: exited with code 3 (code 3, result exit-code)`);
  assert.equal(lines[2], `${pad}last log lines:`);
  assert.equal(lines.length, 3 + EVENT_TAIL_LINES);
  assert.equal(lines[3], `${pad}  | line 4`);
  assert.equal(lines.at(-1), `${pad}  | Traceback: KeyError  [31m"API_KEY" `, 'no raw escape or CR');
});

test('a kill names the signal; a crash loop carries the last reason', () => {
  const killed = eventLine(
    ev({
      type: 'oom-killed',
      message: 'web killed by the out-of-memory killer',
      exit: {
        code: null,
        signal: 'SIGKILL',
        result: 'oom-kill',
        reason: 'killed by the out-of-memory killer',
      },
    }),
  );
  assert.match(killed, /\n +why: killed by the out-of-memory killer \(signal SIGKILL, result oom-kill\)$/);
  const loop = eventLine(
    ev({
      type: 'crashloop',
      severity: 'critical',
      message: 'web is crash-looping: 5 failures in 60 s; last: exited with code 1',
      exit: { code: 1, signal: null, result: null, reason: 'exited with code 1' },
    }),
  );
  assert.match(loop, /^\S+ !! crashloop .*\n +why: exited with code 1 \(code 1\)$/);
});
