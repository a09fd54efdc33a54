/**
 * `vigil agent run`: the background supervisor. Event-driven: it ticks at once when the exit journal
 * changes (inotify/kqueue on its directory: the launcher's record of an exit), when the service manager
 * pushes a unit change (systemd over D-Bus), on a command; otherwise only when a module or the supervisor
 * has something due (a probe, a sample, a reconciliation), about once a minute when idle. Serves the API on the Unix socket (and loopback HTTP when asked), and on SIGTERM
 * finishes the tick in progress, records that it stopped, closes the database and exits 0.
 *
 * A full disk is a state, not a crash (app/disk-watch.ts): writes that fail for lack of space make the
 * `disk-full` condition, the supervisor retries them on later ticks, and the agent keeps serving.
 */
import { watch, type FSWatcher } from 'node:fs';
import { assertPrivateHome, ensurePrivateDir } from '../adapters/fs/private-home.js';
import path from 'node:path';
import { VigilError, isStoreBusy } from '../core/errors.js';
import type { VigilEvent } from '../core/events.js';
import { createLogger } from '../adapters/agent-log/logger.js';
import type { ApiServer } from '../api/server.js';
import { createContext } from './compose.js';
import { RECONCILE_EVERY_MS, Supervisor } from './supervisor.js';
import { StatusHolder } from './status-doc.js';
import { serveAgentApi } from './agent-routes.js';
import { createModules } from './modules.js';
import { eachModule, type AgentRuntime } from './module.js';
import { CredentialRuntime } from './credentials.js';
import { DiskWatch } from '../app/disk-watch.js';
import { statfsSpace } from '../adapters/fs/disk-space.js';
import { SiHostFacts } from '../adapters/host/si-host-facts.js';
import { PendingExits } from '../adapters/fs/pending-exits.js';
import { launcherPath } from '../adapters/launcher/contract.js';
import { boundHeapGrowth } from '../adapters/process/heap-bounds.js';
import { HEAP_TRIM_EVERY_MS, startHeapTrim } from './heap-trim.js';

/** The longest an idle agent sleeps between ticks (ms). */
export const IDLE_TICK_MS = 60_000;
/** Wake-ups closer together than this are one tick (a burst of exits, a unit's several changes). */
const MIN_SLEEP_MS = 2;

export interface AgentOptions {
  env: NodeJS.ProcessEnv;
  http?: { host: string; port: number };
  /** The longest sleep between ticks (ms); env VIGIL_IDLE_TICK_MS, default 60 s. */
  tickMs?: number;
  /** Called once the API is listening (tests, `agent run` prints the address). */
  onReady?: (info: { socket: string; http: { host: string; port: number } | null }) => void;
  signal?: AbortSignal;
}

export async function runAgent(opts: AgentOptions): Promise<void> {
  boundHeapGrowth(); // an always-on process: a heap near what it holds (see heap-bounds.ts)
  const ctx = await createContext(opts.env, { agent: true });
  ensurePrivateDir(ctx.paths.home);
  ensurePrivateDir(path.dirname(ctx.paths.exits), { tighten: true });
  // Another user who can write VIGIL_HOME, logs/ or state/ could forge exits or swap logs: refuse to run.
  assertPrivateHome(ctx.paths);
  const credentials = new CredentialRuntime(ctx);
  const logger = createLogger({
    destination: ctx.paths.agentLog,
    name: 'vigil-agent',
    level: opts.env.VIGIL_LOG_LEVEL ?? 'info',
    secrets: () => credentials.values(),
  });
  ctx.journal.onRefused = (err) => logger.error({ code: err.code, path: err.details?.path }, err.message);
  const store = ctx.store();
  // The disk watch and the supervisor refer to each other; the watch is needed first (onDiskFull).
  let supervisorRef: Supervisor | null = null;
  const pendingExits = new PendingExits(ctx.paths.exits, launcherPath(ctx.env), ctx.runner);
  const disk = new DiskWatch({
    store,
    space: statfsSpace,
    clock: ctx.clock,
    home: ctx.paths.home,
    record: (events) => supervisorRef?.record(events),
    pendingEvents: () => supervisorRef?.pendingEvents().waiting ?? 0,
    pendingExits: () => pendingExits.count(),
    log: (level, msg, fields) => logger[level](fields, msg),
  });
  const onModuleError = (err: unknown, module: string) => disk.failed(`the database (${module} module)`, err);
  let wake: (() => void) | null = null;
  let woken = false;
  const wakeUp = () => {
    woken = true;
    wake?.();
  };
  // Callers of tickNow, told once the tick that follows their call (and its modules' hooks) is over.
  let waitingForTick: (() => void)[] = [];
  const tickNow = () =>
    new Promise<void>((resolve) => {
      waitingForTick.push(resolve);
      wakeUp();
    });
  const launchd = ctx.manager.backend === 'launchd';
  // The status document it serves: the supervisor's rows, and each module's part (status-doc.ts).
  const status = new StatusHolder();
  const supervisor = new Supervisor({
    // launchd pushes nothing, but every exit comes through the launcher's journal: a slow reconciliation.
    ...(launchd ? { fullPollEveryMs: RECONCILE_EVERY_MS } : {}),
    // VIGIL_PUSH_STALE_MS: how long an exit waits for the push of what followed before a poll (tests).
    ...(Number(opts.env.VIGIL_PUSH_STALE_MS) > 0
      ? { staleAfterMs: Number(opts.env.VIGIL_PUSH_STALE_MS) }
      : {}),
    wake: wakeUp,
    manager: ctx.manager,
    store,
    journal: ctx.journal,
    clock: ctx.clock,
    logger,
    readLogTail: credentials.redactingTail(ctx.readLogTail),
    onDiskFull: (what, err) => disk.failed(what, err),
    onStatus: (doc) => status.setBase(doc),
    onPendingEvents: () => disk.pendingChanged(),
  });
  supervisorRef = supervisor;
  credentials.bind((events) => supervisor.record(events));
  const startedAt = ctx.clock.now();
  // VIGIL_GC_EVERY_MS: how often the heap is trimmed on a schedule (default 30 s; 0: never, V8 alone
  // decides); it is also trimmed after bursts of stored usage (heap-trim.ts).
  const heap = startHeapTrim(
    opts.env.VIGIL_GC_EVERY_MS === undefined ? HEAP_TRIM_EVERY_MS : Number(opts.env.VIGIL_GC_EVERY_MS),
  );
  const services: AgentRuntime = {
    ctx,
    store,
    clock: ctx.clock,
    manager: ctx.manager,
    supervisor,
    status,
    logger,
    credentials,
    disk,
    pendingExits,
    heap,
    tickNow,
    host: new SiHostFacts({ home: ctx.paths.home, disk: statfsSpace, clock: ctx.clock }),
  };
  const modules = createModules(services);
  let lastEvents: readonly VigilEvent[] = [];
  let server: ApiServer | null = null;
  let watcher: FSWatcher | null = null;
  let stopWatching: (() => void) | null = null;
  let stopping = false;
  let modulesStopped = false;
  // Also on the way out of a failure (a store error, a port in use), before the database closes under them.
  const stopModules = async () => {
    if (modulesStopped) return;
    modulesStopped = true;
    await eachModule(modules, logger, 'stop', (m) => m.stop?.(), onModuleError);
  };
  const stop = () => {
    stopping = true;
    wakeUp();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  opts.signal?.addEventListener('abort', stop, { once: true });
  try {
    lastEvents = await supervisor.tick();
    await eachModule(modules, logger, 'start', (m) => m.start?.(), onModuleError);
    await eachModule(
      modules,
      logger,
      'afterTick',
      (m) => m.afterTick?.(supervisor.currentStatus(), lastEvents),
      onModuleError,
    );
    supervisor.record([
      {
        key: `agent-started:${process.pid}:${startedAt}`,
        at: startedAt,
        service: null,
        type: 'agent-started',
        severity: 'info',
        message: `Vigil agent started (pid ${process.pid})`,
      },
    ]);
    server = await serveAgentApi({ services, modules, startedAt, env: opts.env, http: opts.http });
    // The journal's directory (the file is renamed on rotation and created anew by the next record).
    const journalNames = new Set([path.basename(ctx.paths.exits), `${path.basename(ctx.paths.exits)}.1`]);
    try {
      watcher = watch(path.dirname(ctx.paths.exits), (_event, file) => {
        if (file === null || journalNames.has(String(file))) wakeUp();
      });
    } catch (err) {
      logger.warn({ err }, 'cannot watch the exit journal; relying on the tick');
    }
    stopWatching = supervisor.startWatching();
    logger.info({ socket: ctx.paths.socket, http: server.httpAddress() }, 'agent ready');
    opts.onReady?.({ socket: ctx.paths.socket, http: server.httpAddress() });
    const longest = opts.tickMs ?? (Number(opts.env.VIGIL_IDLE_TICK_MS) || IDLE_TICK_MS);
    while (!stopping) {
      if (!woken) {
        const now = ctx.clock.now();
        let ms = Math.min(longest, supervisor.nextTickInMs(now));
        for (const m of modules) {
          const due = m.nextTickInMs?.(now);
          if (due !== null && due !== undefined) ms = Math.min(ms, due);
        }
        await new Promise<void>((resolve) => {
          const t = setTimeout(done, Math.max(ms, MIN_SLEEP_MS));
          function done() {
            clearTimeout(t);
            wake = null;
            resolve();
          }
          wake = done;
        });
      }
      if (logger.isLevelEnabled('debug')) logger.debug({ woken }, 'tick');
      woken = false;
      if (stopping) break;
      const told = waitingForTick;
      waitingForTick = [];
      try {
        lastEvents = await supervisor.tick();
        await eachModule(
          modules,
          logger,
          'afterTick',
          (m) => m.afterTick?.(supervisor.currentStatus(), lastEvents),
          onModuleError,
        );
      } catch (err) {
        if (disk.failed('the database (tick)', err)) {
          try {
            disk.tick(); // the modules' hooks did not run: still look for space coming back
          } catch (tickErr) {
            logger.warn({ err: tickErr }, 'disk check failed');
          }
          continue;
        }
        logger.error({ err }, 'tick failed');
        if (err instanceof VigilError && err.code === 'E_STORE') throw err;
      } finally {
        for (const resolve of told) resolve();
      }
    }
    for (const resolve of waitingForTick) resolve();
    await stopModules();
    const at = ctx.clock.now();
    supervisor.record([
      {
        key: `agent-stopped:${process.pid}:${at}`,
        at,
        service: null,
        type: 'agent-stopped',
        severity: 'info',
        message: `Vigil agent stopped (pid ${process.pid})`,
      },
    ]);
    // Exit records are safe in the journal (the next agent reads them again); events kept in memory are not.
    const unstored = supervisor.pendingEvents().waiting;
    if (unstored > 0)
      logger.warn(
        { events: unstored, disk: disk.view() },
        `stopping with ${unstored} event(s) that could not be stored (disk full)`,
      );
  } finally {
    heap.stop();
    stopWatching?.();
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    watcher?.close();
    await server?.close();
    await stopModules();
    await landWaitingWrites(supervisor, logger);
    closeStore(ctx);
    logger.info('agent stopped');
    logger.flush?.();
  }
}

/** Before the database closes: a few more tries for writes still waiting on another process's lock. */
async function landWaitingWrites(
  supervisor: Supervisor,
  logger: ReturnType<typeof createLogger>,
): Promise<void> {
  for (let i = 0; i < 10 && supervisor.writes.pending > 0; i++) {
    if (supervisor.writes.flush()) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  supervisor.writes.close();
  if (supervisor.writes.pending > 0) {
    logger.warn(
      { waiting: supervisor.writes.pending },
      'the database stayed locked: waiting writes dropped (exits are derived again from the journal at the next start)',
    );
  }
}

/** close's PRAGMA optimize can meet another process's lock; the connection is closed all the same. */
function closeStore(ctx: { close(): void }): void {
  try {
    ctx.close();
  } catch (err) {
    if (!isStoreBusy(err)) throw err;
  }
}
