/** The composition root: real adapters wired to ports, shared by the CLI and the agent. */
import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import { VigilError } from '../core/errors.js';
import { vigilPaths, serviceLogPath, type VigilPaths } from '../core/paths.js';
import { NodeProcessRunner } from '../adapters/process/node-runner.js';
import { SqliteStore } from '../adapters/sqlite/sqlite-store.js';
import { tuneAgentConnection } from '../adapters/sqlite/busy.js';
import { FileExitJournal } from '../adapters/fs/exit-journal.js';
import { systemClock } from '../adapters/clock/system-clock.js';
import { tailLines } from '../adapters/fs/log-tail.js';
import { FsCredentialStore } from '../adapters/credentials/fs-store.js';
import type { ServiceManager, Backend } from '../ports/service-manager.js';
import { IntentRecordingManager } from '../app/service-actions.js';
import type { Store } from '../ports/store.js';
import type { ProcessRunner } from '../ports/process-runner.js';
import type { Clock } from '../ports/clock.js';
import type { LogTailReader } from '../ports/log-reader.js';

export interface Context {
  env: NodeJS.ProcessEnv;
  paths: VigilPaths;
  runner: ProcessRunner;
  clock: Clock;
  /** The service manager, recording Vigil's intents (stop/start/restart) in the store: use this one. */
  manager: IntentRecordingManager;
  /** The backend's own manager, intents not recorded (the launchd watcher standing in for its restart policy). */
  rawManager: ServiceManager;
  journal: FileExitJournal;
  /** Opens the database on first use (creating it). */
  store(): Store;
  /** The database if it exists already (read-only commands do not create one). */
  existingStore(): Store | null;
  /** The credential sets (0600 files under VIGIL_HOME/credentials). */
  credentials: FsCredentialStore;
  /** The last lines of a service's log; with `until`, those before where a dead process's output ended. */
  readLogTail: LogTailReader;
  close(): void;
}

export function selectBackend(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): Backend {
  const wanted = env.VIGIL_BACKEND;
  if (wanted === 'systemd' || wanted === 'launchd') return wanted;
  if (wanted)
    throw new VigilError('E_USAGE', `VIGIL_BACKEND must be "systemd" or "launchd", not "${wanted}"`);
  return platform === 'darwin' ? 'launchd' : 'systemd';
}

/**
 * The backend's module is imported only on its platform: the launchd one brings the plist library (about
 * 12 MB of resident memory in a process that never writes a plist on Linux).
 */
async function createManager(
  backend: Backend,
  runner: ProcessRunner,
  paths: VigilPaths,
  env: NodeJS.ProcessEnv,
): Promise<ServiceManager> {
  if (backend === 'systemd') {
    const { SystemdManager } = await import('../adapters/systemd/systemd-manager.js');
    return new SystemdManager({ runner, paths, env });
  }
  const [{ LaunchdManager }, { launcherPath }] = await Promise.all([
    import('../adapters/launchd/launchd-manager.js'),
    import('../adapters/launcher/contract.js'),
  ]);
  return new LaunchdManager({
    runner,
    paths,
    env,
    launcher: launcherPath(env),
    ...(env.VIGIL_LAUNCHD_DOMAIN ? { domain: env.VIGIL_LAUNCHD_DOMAIN } : {}),
  });
}

/**
 * `agent`: the database connection is the agent's — never a long synchronous busy wait on its event loop
 * (locked writes wait in the supervisor's WriteQueue instead) and a bounded page cache; the CLI's waits.
 */
export async function createContext(
  env: NodeJS.ProcessEnv = process.env,
  opts: { agent?: boolean } = {},
): Promise<Context> {
  const paths = vigilPaths(env);
  const open = (): SqliteStore => {
    const s = SqliteStore.open(paths.db);
    if (opts.agent === true) tuneAgentConnection(s.db);
    return s;
  };
  const runner = new NodeProcessRunner(env);
  const rawManager = await createManager(selectBackend(env), runner, paths, env);
  let store: Store | null = null;
  const existingStore = (): Store | null => {
    if (store) return store;
    if (!existsSync(paths.db)) return null;
    store = open();
    return store;
  };
  return {
    env,
    paths,
    runner,
    clock: systemClock,
    manager: new IntentRecordingManager(rawManager, existingStore, systemClock),
    rawManager,
    journal: new FileExitJournal(paths.exits),
    store() {
      store ??= open();
      return store;
    },
    existingStore,
    credentials: new FsCredentialStore(paths.credentials, () => systemClock.now()),
    readLogTail: (service, lines, until) => tailLines(serviceLogPath(paths, service), lines, until),
    close() {
      store?.close();
      store = null;
    },
  };
}

export type { Logger };
