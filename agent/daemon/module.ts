/**
 * The agent is the supervisor plus feature modules (health probes, usage ingestion, budgets, credential
 * rotation…). A module gets the agent's runtime (AgentRuntime: the context, store, clock, manager,
 * supervisor, logger… that every module shares; not to be confused with the services Vigil supervises),
 * hooks into the tick, and shows its state in the status document by publishing its part into
 * `services.status` (daemon/status-doc.ts) whenever that state changes — never per request; it records
 * events through `services.supervisor.record`, which stores and publishes them.
 */
import type { Logger } from 'pino';
import type { StatusDoc } from '../core/status.js';
import type { VigilEvent } from '../core/events.js';
import type { Store } from '../ports/store.js';
import type { Clock } from '../ports/clock.js';
import type { IntentRecordingManager } from '../app/service-actions.js';
import type { Context } from './compose.js';
import type { Supervisor } from './supervisor.js';
import type { CredentialRuntime } from './credentials.js';
import type { DiskWatch } from '../app/disk-watch.js';
import type { HeapTrim } from './heap-trim.js';
import type { PendingExits } from '../adapters/fs/pending-exits.js';
import type { HostFacts } from '../ports/host-facts.js';
import type { StatusHolder } from './status-doc.js';

export interface AgentRuntime {
  ctx: Context;
  store: Store;
  clock: Clock;
  /** The composition root's manager (ctx.manager): every stop, start and restart records its intent. */
  manager: IntentRecordingManager;
  supervisor: Supervisor;
  /** The status document the agent serves: a module that shows something in it publishes its part here. */
  status: StatusHolder;
  logger: Logger;
  /** The credential store, its value cache and the leak guard: run every service log line you show through `credentials.guard.redactLines`. */
  credentials: CredentialRuntime;
  /** The disk-full condition (absent in tests that do not need it). */
  disk?: DiskWatch;
  /** Exit records kept on a full disk, moved into the journal once it can be written. */
  pendingExits?: PendingExits;
  /** Full collections after bursts of work (heap-trim.ts; absent in tests that do not need it). */
  heap?: Pick<HeapTrim, 'worked'>;
  /** The machine's facts for the host strip (read only when asked). */
  host?: HostFacts;
  /**
   * A tick now, resolved once it and every module's afterTick ran: what `vigil apply` asks for after it
   * saved settings that no unit change announces (budgets, alerts, `otlp:`). Absent in tests.
   */
  tickNow?(): Promise<void>;
}

export interface AgentModule {
  readonly name: string;
  /** Once, after the first supervisor tick and before the API listens. */
  start?(): Promise<void> | void;
  /** After every supervisor tick, with the fresh status and the events that tick stored. */
  afterTick?(status: StatusDoc, events: readonly VigilEvent[]): Promise<void> | void;
  /**
   * How soon this module needs the next afterTick with nothing else happening (ms; null: not at all). The
   * agent sleeps until the soonest of these, the supervisor's own and a pushed change (an exit, a unit
   * change, a command); an idle agent ticks about once a minute.
   */
  nextTickInMs?(now: number): number | null;
  /** On shutdown, before the database closes. */
  stop?(): Promise<void> | void;
}

/** Runs a hook on every module; one module's failure is logged and does not stop the others. */
export async function eachModule(
  modules: readonly AgentModule[],
  logger: Logger,
  hook: string,
  fn: (m: AgentModule) => Promise<void> | void,
  /** Sees each failure first; true means it was handled (the disk-full condition) and is not logged as an error. */
  onError?: (err: unknown, module: string) => boolean,
): Promise<void> {
  for (const m of modules) {
    try {
      await fn(m);
    } catch (err) {
      if (onError?.(err, m.name) === true) continue;
      logger.error({ err, module: m.name, hook }, 'agent module failed');
    }
  }
}
