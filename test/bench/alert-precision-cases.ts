/**
 * The cases of the alert-precision benchmark (test/helpers/alert-sim.ts runs them): one row each, a
 * service, its script (seconds from the case's start) and the pages that are true. Alerts: downForSec 15,
 * cooldown 600 s; services probed every 5 s (timeout 2 s, stableSec 10), Restart=always after 1 s, start
 * limit 5 in 10 s, up 1 s after start, a stop takes 0.5 s — unless the row says otherwise.
 *
 * Metric rows have `metrics: true` (scraped every 5 s, limits.memory 100 MB, budget.hourlyUsd 1, the
 * rules' defaults unless `metricRules` says); a metric page's window is its rule's forSec. Rows with a
 * `dependency` run a second service the first one requires (`dependsOn: { x: healthy }`).
 *
 * To add a case, add a row; the simulator needs a new SimAction only for a new kind of happening in the world.
 */
import type { SimCase, SimPhase } from '../helpers/alert-sim.js';

const DOWN = 15;

export const CASES: readonly SimCase[] = [
  { name: 'steady', what: 'nothing happens (the absence of every condition)', script: [], pages: [] },
  {
    name: 'steady-unprobed',
    what: 'no probe, nothing happens',
    service: { probed: false },
    script: [],
    pages: [],
  },
  {
    name: 'kill9-fast',
    what: 'kill -9 three times, back in 1 s, healthy 1 s later (red for ~16 s each time: stableSec)',
    script: [
      [30, 'kill9'],
      [120, 'kill9'],
      [200, 'kill9'],
    ],
    pages: [],
  },
  {
    name: 'kill9-slow-warmup',
    what: 'kill -9, back in 1 s, its probe passes only 8 s after start',
    service: { warmupMs: 8000 },
    script: [
      [30, 'kill9'],
      [150, 'kill9'],
    ],
    pages: [],
  },
  {
    name: 'kill9-unprobed',
    what: 'kill -9 of a service without a probe, fast restart',
    service: { probed: false },
    script: [
      [30, 'kill9'],
      [150, 'kill9'],
    ],
    pages: [],
  },
  {
    name: 'sigterm-once',
    what: 'one SIGTERM from outside Vigil, restarted',
    script: [[60, 'sigterm']],
    pages: [],
  },
  {
    name: 'sigterm-loop',
    what: 'outside SIGTERMs every 2 s: killed events that make a crash loop',
    script: [
      [60, 'sigterm'],
      [62, 'sigterm'],
      [64, 'sigterm'],
    ],
    pages: [{ rule: 'crash-loop', at: 64, windowSec: 0 }],
  },
  {
    name: 'vigil-stop-slow',
    what: 'vigil stop of a service that takes 25 s to stop, vigil start 3 min later',
    service: { stopMs: 25_000 },
    script: [
      [30, 'vigil-stop'],
      [200, 'vigil-start'],
    ],
    pages: [],
  },
  {
    name: 'budget-stop',
    what: 'budget stop, then resume (the same manager path), 5 s warm-up on resume',
    service: { warmupMs: 5000 },
    script: [
      [40, 'vigil-stop'],
      [250, 'vigil-start'],
    ],
    pages: [],
  },
  {
    name: 'apply-restart-slow',
    what: 'apply/rotation restart with a 20 s stop and a 3 s warm-up',
    service: { stopMs: 20_000, warmupMs: 3000 },
    script: [
      [50, 'vigil-restart'],
      [200, 'vigil-restart'],
    ],
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
    script: [
      [40, 'hang'],
      [43, 'unhang'],
      [100, 'hang'],
      [103, 'unhang'],
      [160, 'hang'],
      [163, 'unhang'],
      [220, 'hang'],
      [223, 'unhang'],
    ],
    pages: [],
  },
  {
    name: 'flapping-outage',
    what: 'hung 60–100 s, answers 3 s, hung again to 150 s: one page (cooldown), resolved at the end',
    script: [
      [60, 'hang'],
      [100, 'unhang'],
      [103, 'hang'],
      [150, 'unhang'],
    ],
    pages: [{ rule: 'service-down', at: 60, windowSec: DOWN }],
    clearBy: [{ rule: 'service-down', at: 160 }],
  },
  {
    name: 'hung',
    what: 'the process runs but its probe times out from 90 s to 200 s',
    script: [
      [90, 'hang'],
      [200, 'unhang'],
    ],
    pages: [{ rule: 'service-down', at: 90, windowSec: DOWN }],
    clearBy: [{ rule: 'service-down', at: 210 }],
  },
  {
    name: 'start-broken',
    what: 'vigil stop, then vigil start of a version whose endpoint never answers',
    script: [
      [20, 'vigil-stop'],
      [55, 'hang'],
      [60, 'vigil-start'],
    ],
    pages: [{ rule: 'service-down', at: 60, windowSec: DOWN }],
  },
  {
    name: 'start-noop-then-hung',
    what: 'vigil start of a service already running (changes nothing), hung 10 s later',
    script: [
      [30, 'vigil-start'],
      [40, 'hang'],
    ],
    pages: [{ rule: 'service-down', at: 40, windowSec: DOWN }],
  },
  {
    name: 'stopped-then-started-outside',
    what: 'vigil stop, started again outside Vigil (systemctl), then it crashes with a 30 s restart delay',
    service: { delaySec: 30 },
    script: [
      [20, 'vigil-stop'],
      [40, 'outside-start'],
      [80, 'kill9'],
    ],
    pages: [{ rule: 'service-down', at: 80, windowSec: DOWN }],
  },
  {
    name: 'restarted-then-down',
    what: 'vigil restart, then 60 s later a crash with a 30 s restart delay',
    service: { delaySec: 30 },
    script: [
      [20, 'vigil-restart'],
      [80, 'kill9'],
    ],
    pages: [{ rule: 'service-down', at: 80, windowSec: DOWN }],
  },
  {
    name: 'crashloop-fixed',
    what: 'a crashing command (start limit hit), then the fixed command applied',
    script: [
      [20, 'break'],
      [60, 'fix'],
      [60, 'vigil-restart'],
    ],
    pages: [{ rule: 'crash-loop', at: 23, windowSec: 0 }],
    clearBy: [{ rule: 'crash-loop', at: 62 }],
  },
  // Slow stops: the `stopping` state, and a stop past stopTimeoutSec (SIGKILL) is a stop-timeout warning, no crash, no page.
  {
    name: 'stop-timeout',
    what: 'vigil stop of a service that ignores SIGTERM: stopping 10 s, killed at its stopTimeoutSec (a stop-timeout event), started 2 min later',
    service: { stopMs: 60_000, stopTimeoutMs: 10_000 },
    script: [
      [30, 'vigil-stop'],
      [150, 'vigil-start'],
    ],
    pages: [],
    events: [
      { type: 'stop-timeout', count: 1 },
      { type: 'crashed', count: 0 },
      { type: 'killed', count: 0 },
    ],
  },
  {
    name: 'restart-stop-timeout',
    what: 'vigil restart (apply, rotation) of the same: killed after 10 s, then started again',
    service: { stopMs: 60_000, stopTimeoutMs: 10_000, warmupMs: 3000 },
    script: [[30, 'vigil-restart']],
    pages: [],
    events: [
      { type: 'stop-timeout', count: 1 },
      { type: 'crashed', count: 0 },
      { type: 'killed', count: 0 },
    ],
  },
  // A hung service with liveness: restarted after N failed probes (restarted-unhealthy), no crash.
  {
    name: 'hung-liveness',
    what: 'the process hangs at 60 s; restartAfterFailures 2 restarts it (~12 s), healthy again within the down window',
    service: { restartAfterFailures: 2 },
    script: [[60, 'hang-process']],
    pages: [],
    events: [{ type: 'restarted-unhealthy', count: 1 }],
    clearBy: [{ rule: 'service-down', at: 90 }],
  },
  {
    name: 'hung-liveness-late',
    what: 'the same with restartAfterFailures 5: down is paged at 15 s, the restart (~27 s) resolves it',
    service: { restartAfterFailures: 5 },
    script: [[60, 'hang-process']],
    pages: [{ rule: 'service-down', at: 60, windowSec: DOWN }],
    events: [{ type: 'restarted-unhealthy', count: 1 }],
    clearBy: [{ rule: 'service-down', at: 120 }],
  },
  // A `healthy` dependency (Requires=): the dependent waits in vigil-launch (activating) while it comes up.
  {
    name: 'dependency-slow-restart',
    what: 'vigil restart of the dependency (8 s warm-up): systemd restarts the dependent too (its stop 5 s), which waits for the probe, ~15 s not up',
    service: { stopMs: 5000 },
    dependency: { warmupMs: 8000 },
    script: [
      [40, 'vigil-restart', 'dep'],
      [180, 'vigil-restart', 'dep'],
    ],
    pages: [],
    events: [
      { type: 'killed', count: 0 },
      { type: 'crashed', count: 0 },
    ],
  },
  {
    name: 'dependency-stop',
    what: 'vigil stop of the dependency stops the dependent too (Requires=); both started again 2.5 min later',
    dependency: { warmupMs: 3000 },
    script: [
      [40, 'vigil-stop', 'dep'],
      [190, 'vigil-start', 'dep'],
      [191, 'vigil-start'],
    ],
    pages: [],
    events: [{ type: 'killed', count: 0 }],
  },
  {
    name: 'dependency-down',
    what: 'the dependency is killed (Restart=no) and stays down: its page; the running dependent is not paged',
    dependency: { policy: 'no' },
    script: [[40, 'kill9', 'dep']],
    pages: [{ rule: 'service-down', at: 40, windowSec: DOWN, service: 'dep' }],
  },
  {
    name: 'dependency-down-restart',
    what: 'the dependency down for good, then vigil restart of the dependent: it waits (62 s, gives up, waits again): only the dependency is paged',
    dependency: { policy: 'no' },
    script: [
      [40, 'kill9', 'dep'],
      [60, 'vigil-restart'],
    ],
    pages: [{ rule: 'service-down', at: 40, windowSec: DOWN, service: 'dep' }],
  },
  // The guide's six metric rules (defaults; scraped every 5 s; limits.memory 100 MB; budget.hourlyUsd 1), and their absence.
  {
    name: 'metrics-steady',
    what: 'metrics below every threshold: 3 % errors, 2 % slow requests, memory 90 % for 30 s (< forSec 60)',
    service: { metrics: true },
    script: [
      [30, 'errors-low'],
      [40, 'slow-few'],
      [60, 'memory-high'],
      [90, 'memory-ok'],
    ],
    pages: [],
  },
  {
    name: 'error-rate',
    what: '30 % of the requests fail from 28 s: over the 5 min window above 5 % from 34 s (forSec 120)',
    service: { metrics: true },
    script: [[28, 'errors-high']],
    pages: [{ rule: 'error-rate', at: 34, windowSec: 120 }],
  },
  {
    name: 'latency-p95',
    what: 'half the requests take 20 s from 28 s: over the 5 min window p95 > 10 s from 32 s (forSec 120)',
    service: { metrics: true },
    script: [[28, 'slow-high']],
    pages: [{ rule: 'latency-p95', at: 32, windowSec: 120 }],
  },
  {
    name: 'memory-of-limit',
    what: 'memory 90 MB of its 100 MB limit from 28 s to 200 s (> 80 %, forSec 60)',
    service: { metrics: true },
    script: [
      [28, 'memory-high'],
      [200, 'memory-ok'],
    ],
    pages: [{ rule: 'memory-high', at: 28, windowSec: 60 }],
    clearBy: [{ rule: 'memory-high', at: 210 }],
  },
  {
    name: 'cost-per-hour',
    what: 'cost estimate $3/h from 28 s to 150 s (> 2× the $1 hourly budget)',
    service: { metrics: true },
    script: [
      [28, 'cost-high'],
      [150, 'cost-ok'],
    ],
    pages: [{ rule: 'cost-per-hour', at: 28, windowSec: 0 }],
    clearBy: [{ rule: 'cost-per-hour', at: 165 }],
  },
  {
    name: 'circuit-breaker',
    what: 'a circuit breaker open from 28 s to 150 s',
    service: { metrics: true },
    script: [
      [28, 'breaker-open'],
      [150, 'breaker-closed'],
    ],
    pages: [{ rule: 'circuit-breaker', at: 28, windowSec: 0 }],
    clearBy: [{ rule: 'circuit-breaker', at: 165 }],
  },
  {
    name: 'tokens-per-request',
    what: '500 tokens per request from 28 s (daily average 100; window 60 s, forSec 60): above 2× from 43 s',
    service: { metrics: true },
    metricRules: { tokensPerRequest: { windowSec: 60, forSec: 60 } },
    script: [[28, 'tokens-high']],
    pages: [{ rule: 'tokens-per-request', at: 43, windowSec: 60 }],
  },
];

/** Crash loop and fix while the agent is down; the agent starts 20 s after the fix (within 60 s). */
export const AGENT_LATE: SimCase = {
  name: 'crashloop-fixed-agent-late',
  what: 'the same, with the agent down from 10 s to 70 s (starts 20 s after the fix)',
  script: [
    [20, 'break'],
    [50, 'fix'],
    [50, 'vigil-restart'],
  ],
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
