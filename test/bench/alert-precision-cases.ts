/**
 * The cases of the alert-precision benchmark (test/helpers/alert-sim.ts runs them): one row each, a
 * service, its script (seconds from the case's start) and the pages that are true. Alerts: downForSec 15,
 * cooldown 600 s; services probed every 5 s (timeout 2 s, stableSec 10), Restart=always after 1 s, start
 * limit 5 in 10 s, up 1 s after start, a stop takes 0.5 s — unless the row says otherwise.
 *
 * To add a case (slow stop, dependency, metric rule…), add a row; the simulator needs a new SimAction only
 * for a new kind of happening in the world.
 */
import type { SimCase, SimPhase } from '../helpers/alert-sim.js';

const DOWN = 15;

export const CASES: readonly SimCase[] = [
  { name: 'steady', what: 'nothing happens (the absence of every condition)', script: [], pages: [] },
  { name: 'steady-unprobed', what: 'no probe, nothing happens', service: { probed: false }, script: [], pages: [] },
  {
    name: 'kill9-fast',
    what: 'kill -9 three times, back in 1 s, healthy 1 s later (red for ~16 s each time: stableSec)',
    script: [[30, 'kill9'], [120, 'kill9'], [200, 'kill9']],
    pages: [],
  },
  {
    name: 'kill9-slow-warmup',
    what: 'kill -9, back in 1 s, its probe passes only 8 s after start',
    service: { warmupMs: 8000 },
    script: [[30, 'kill9'], [150, 'kill9']],
    pages: [],
  },
  { name: 'kill9-unprobed', what: 'kill -9 of a service without a probe, fast restart', service: { probed: false }, script: [[30, 'kill9'], [150, 'kill9']], pages: [] },
  { name: 'sigterm-once', what: 'one SIGTERM from outside Vigil, restarted', script: [[60, 'sigterm']], pages: [] },
  {
    name: 'sigterm-loop',
    what: 'outside SIGTERMs every 2 s: killed events that make a crash loop',
    script: [[60, 'sigterm'], [62, 'sigterm'], [64, 'sigterm']],
    pages: [{ rule: 'crash-loop', at: 64, windowSec: 0 }],
  },
  {
    name: 'vigil-stop-slow',
    what: 'vigil stop of a service that takes 25 s to stop, vigil start 3 min later',
    service: { stopMs: 25_000 },
    script: [[30, 'vigil-stop'], [200, 'vigil-start']],
    pages: [],
  },
  {
    name: 'budget-stop',
    what: 'budget stop, then resume (the same manager path), 5 s warm-up on resume',
    service: { warmupMs: 5000 },
    script: [[40, 'vigil-stop'], [250, 'vigil-start']],
    pages: [],
  },
  {
    name: 'apply-restart-slow',
    what: 'apply/rotation restart with a 20 s stop and a 3 s warm-up',
    service: { stopMs: 20_000, warmupMs: 3000 },
    script: [[50, 'vigil-restart'], [200, 'vigil-restart']],
    pages: [],
  },
  {
    name: 'truly-down',
    what: 'kill -9 with Restart=no: it stays down',
    service: { policy: 'no' },
    script: [[30, 'kill9']],
    pages: [{ rule: 'service-down', at: 30, windowSec: DOWN }],
  },
  {
    name: 'blips',
    what: 'the endpoint stalls for 3 s now and then (a probe may fail once)',
    script: [[40, 'hang'], [43, 'unhang'], [100, 'hang'], [103, 'unhang'], [160, 'hang'], [163, 'unhang'], [220, 'hang'], [223, 'unhang']],
    pages: [],
  },
  {
    name: 'flapping-outage',
    what: 'hung 60–100 s, answers 3 s, hung again to 150 s: one page (cooldown), resolved at the end',
    script: [[60, 'hang'], [100, 'unhang'], [103, 'hang'], [150, 'unhang']],
    pages: [{ rule: 'service-down', at: 60, windowSec: DOWN }],
    clearBy: [{ rule: 'service-down', at: 160 }],
  },
  {
    name: 'hung',
    what: 'the process runs but its probe times out from 90 s to 200 s',
    script: [[90, 'hang'], [200, 'unhang']],
    pages: [{ rule: 'service-down', at: 90, windowSec: DOWN }],
    clearBy: [{ rule: 'service-down', at: 210 }],
  },
  {
    name: 'start-broken',
    what: 'vigil stop, then vigil start of a version whose endpoint never answers',
    script: [[20, 'vigil-stop'], [55, 'hang'], [60, 'vigil-start']],
    pages: [{ rule: 'service-down', at: 60, windowSec: DOWN }],
  },
  {
    name: 'start-noop-then-hung',
    what: 'vigil start of a service already running (changes nothing), hung 10 s later',
    script: [[30, 'vigil-start'], [40, 'hang']],
    pages: [{ rule: 'service-down', at: 40, windowSec: DOWN }],
  },
  {
    name: 'stopped-then-started-outside',
    what: 'vigil stop, started again outside Vigil (systemctl), then it crashes with a 30 s restart delay',
    service: { delaySec: 30 },
    script: [[20, 'vigil-stop'], [40, 'outside-start'], [80, 'kill9']],
    pages: [{ rule: 'service-down', at: 80, windowSec: DOWN }],
  },
  {
    name: 'restarted-then-down',
    what: 'vigil restart, then 60 s later a crash with a 30 s restart delay',
    service: { delaySec: 30 },
    script: [[20, 'vigil-restart'], [80, 'kill9']],
    pages: [{ rule: 'service-down', at: 80, windowSec: DOWN }],
  },
  {
    name: 'crashloop-fixed',
    what: 'a crashing command (start limit hit), then the fixed command applied',
    script: [[20, 'break'], [60, 'fix'], [60, 'vigil-restart']],
    pages: [{ rule: 'crash-loop', at: 23, windowSec: 0 }],
    clearBy: [{ rule: 'crash-loop', at: 62 }],
  },
];

/** Crash loop and fix while the agent is down; the agent starts 20 s after the fix (within 60 s). */
export const AGENT_LATE: SimCase = {
  name: 'crashloop-fixed-agent-late',
  what: 'the same, with the agent down from 10 s to 70 s (starts 20 s after the fix)',
  script: [[20, 'break'], [50, 'fix'], [50, 'vigil-restart']],
  pages: [],
  clearBy: [{ rule: 'crash-loop', at: 71 }],
};

/** `rounds` rounds of every case (5 min each) and the agent-late phase: 7 rounds are 35 min. */
export function phases(rounds: number): SimPhase[] {
  const out: SimPhase[] = [];
  for (let r = 1; r <= rounds; r++) out.push({ cases: CASES, durationSec: 300, suffix: `-r${r}` });
  out.push({ cases: [AGENT_LATE], durationSec: 300, agentDown: [10, 70], suffix: '' });
  return out;
}
