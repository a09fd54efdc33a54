/**
 * Intents: what Vigil itself last asked the service manager to do with a service (stop, start, restart),
 * and when. Recorded by the one ServiceManager wrapper every caller goes through (`vigil stop/start/
 * restart`, apply, budget stops and resumes, credential rotation), so the supervisor and the alert engine
 * can tell an intended stop from a real failure. Pure.
 *
 * - An exit of a process that was running before a stop/restart intent is an intended exit: not a crash,
 *   not `killed`.
 * - An intent ends a crash episode: failures before it are forgiven (a new command or an explicit
 *   restart starts a fresh count), unless it says `keepCrashes`.
 * - While an intent's transition lasts, down and crash-loop pages are held: after a stop until a new
 *   process runs; after a start/restart until the unit settles (a process started after the intent, or a
 *   settled state), at most SETTLE_MAX_MS. The down timer then starts no earlier than that.
 * - Then the intent is over (the supervisor marks it, see intentOver): nothing more is held, and its
 *   exits are real ones.
 */
import type { ServiceState } from './status.js';

export type IntentAction = 'stop' | 'start' | 'restart';

export interface Intent {
  action: IntentAction;
  /** When Vigil asked (ms). */
  at: number;
  /**
   * The crash episode goes on: set when Vigil restarts a service because it failed (the launchd watcher's
   * memory limit), so the restart's own exit is intended but earlier failures still count.
   */
  keepCrashes?: true;
  /**
   * Set by the supervisor (not stored) when the intent is over (see intentOver): when the state that
   * ended it began. The down timer starts no earlier than that, and nothing is held any more.
   */
  overAt?: number;
}

/** The store key of a service's latest intent (one key per service: the CLI and the agent both write). */
export const intentKey = (service: string): `intent:${string}` => `intent:${service}`;

/** systemd's timestamps are whole seconds: a process started up to 1 s before the intent may be the new one. */
export const INTENT_SLACK_MS = 1000;

/** A start/restart that has not settled within this long counts as down from the intent on. */
export const SETTLE_MAX_MS = 10 * 60_000;

/** A start that changed nothing this long after it (`vigil start` of a running service) holds nothing. */
export const NOOP_AFTER_MS = 5000;

/** States in which a unit has finished its transition (anything else, e.g. `starting`, is in between). */
const SETTLED: ReadonlySet<string> = new Set<ServiceState>([
  'running',
  'stopped',
  'failed',
  'crashloop',
  'unknown',
]);

export interface ProcessView {
  state: ServiceState;
  /** When the process state last changed (ms), if known. */
  since: number | null;
}

/** Whether the unit is in a state reached after the intent (its state changed after Vigil asked). */
function settledAfter(intent: Intent, p: ProcessView): boolean {
  if (intent.action === 'restart' && p.state === 'stopped') return false; // between a restart's stop and start
  return SETTLED.has(p.state) && p.since !== null && p.since >= intent.at - INTENT_SLACK_MS;
}

/**
 * When the down timer may start under this intent, given the time the service stopped being up
 * (`downSince`); null while the intent holds the page back.
 */
export function downTimerStart(
  downSince: number,
  intent: Intent | null,
  p: ProcessView,
  now: number,
): number | null {
  if (!intent) return downSince;
  const settled = settledAfter(intent, p);
  if (intent.overAt !== undefined) return Math.max(downSince, intent.overAt);
  if (intent.action === 'stop') {
    // Meant to be down: only a process started after the stop (by whatever means) can be down for real.
    return settled && p.state === 'running' ? Math.max(downSince, p.since!) : null;
  }
  if (settled) return Math.max(downSince, p.since!);
  if (intent.action === 'start' && SETTLED.has(p.state) && now - intent.at >= NOOP_AFTER_MS) return downSince;
  return now - intent.at >= SETTLE_MAX_MS ? Math.max(downSince, intent.at) : null;
}

/**
 * Whether an intent is over: its transition has ended. A stop, when a process started after it runs
 * (whoever started it); a start or restart, when the unit has settled after it. From then on a crash or
 * an outage is real whatever state it passes through (an auto-restart would otherwise look like the
 * intent's transition and be held).
 */
export function intentOver(intent: Intent, p: ProcessView): boolean {
  return settledAfter(intent, p) && (intent.action !== 'stop' || p.state === 'running');
}

/**
 * Whether an exit at `exitAt` is the one Vigil asked for: a stop/restart intent before it, and the
 * process that ended was not one started after the intent (`prev` is the last state seen before the exit).
 */
export function intendedExit(
  intent: Intent | null,
  exitAt: number,
  prev: { active: string; since: number | null },
): boolean {
  if (!intent || intent.action === 'start' || intent.overAt !== undefined) return false;
  // Exit records carry the exact time (the hook's and the launcher's clock, the agent's too), and the
  // intent is written before Vigil asks the manager: an exit before it was not caused by it. (The slack
  // is for systemd's whole-second start times only: a crash loop ended by a fix within a second of the
  // last crash is still a crash loop in the history.)
  if (exitAt < intent.at) return false;
  const newProcess =
    prev.active === 'active' && prev.since !== null && prev.since >= intent.at - INTENT_SLACK_MS;
  return !newProcess;
}

/**
 * The services systemd stops or restarts along with `targets`: those that require one of them
 * (`dependsOn: { x: healthy }` is Requires=, see the unit renderer), transitively, not the targets
 * themselves. Their exits follow from Vigil's request, so they carry its intent too.
 */
export function requiredDependents(
  services: readonly { name: string; waitFor?: readonly { service: string }[] }[],
  targets: readonly string[],
): string[] {
  const hit = new Set(targets);
  const out: string[] = [];
  for (let grew = true; grew;) {
    grew = false;
    for (const s of services) {
      if (!hit.has(s.name) && (s.waitFor ?? []).some((w) => hit.has(w.service))) {
        hit.add(s.name);
        out.push(s.name);
        grew = true;
      }
    }
  }
  return out;
}
