/** The usage loop (UsageWatch) on a real temp database, a fake service manager and a fake clock. */
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { BudgetEnforcer } from '../../agent/app/usage/budget.js';
import { UsageWatch } from '../../agent/app/usage/watch.js';
import { USAGE_SETTINGS_KEY, type UsageSettings } from '../../agent/app/usage/settings.js';
import {
  budgetSchema,
  normalizeBudget,
  normalizePricing,
  type UsageSpec,
} from '../../agent/core/manifest/usage.js';
import type { ServiceSpec } from '../../agent/core/manifest/model.js';
import type { NewEvent, VigilEvent } from '../../agent/core/events.js';
import type { ServiceState, StatusDoc } from '../../agent/core/status.js';
import type { ServiceManager } from '../../agent/ports/service-manager.js';
import { serviceStatus } from './api-fixture.js';
import { FakeClock } from './fake-clock.js';
import { tempDbPath } from './temp-db.js';
import { vigilPaths } from '../../agent/core/paths.js';
import { SqliteStore } from '../../agent/adapters/sqlite/sqlite-store.js';
import type { AgentRuntime } from '../../agent/daemon/module.js';
import { StatusHolder } from '../../agent/daemon/status-doc.js';
import { usageEnv, usageSpec, type UsageEnv } from './usage.js';

/** Records start/stop calls; everything else is not needed by budgets. */
export class FakeManager {
  readonly calls: string[] = [];
  readonly backend = 'systemd' as const;
  async start(names: readonly string[]) {
    this.calls.push(...names.map((n) => `start ${n}`));
  }
  async stop(names: readonly string[]) {
    this.calls.push(...names.map((n) => `stop ${n}`));
  }
  asManager(): ServiceManager {
    return this as unknown as ServiceManager;
  }
}

export interface AgentEnv extends UsageEnv {
  manager: FakeManager;
  watch: UsageWatch;
  events: VigilEvent[];
  /** The service states the next round sees. */
  states: Record<string, ServiceState>;
  /** A supervisor tick: states → the watch, then the round it starts. */
  round(events?: VigilEvent[]): Promise<void>;
  /** Usage for a service: `tokens` input tokens of "test-model", priced at $1 per million (1 token = 1 µ$). */
  spend(service: string, tokens: number, extra?: Record<string, unknown>): void;
  settings(budget: Record<string, unknown> | null): void;
  addService(name: string, usage?: UsageSpec): void;
  /** A restarted agent: new store, ledger, watch (in-memory state gone) on the same database. */
  restart(): void;
}

export function agentEnv(start?: number): AgentEnv {
  const env = usageEnv(start) as AgentEnv;
  env.manager = new FakeManager();
  env.events = [];
  env.states = {};
  let seq = 0;
  const make = () => {
    const record = (events: NewEvent[]): VigilEvent[] => {
      const inserted = env.store.appendEvents(events);
      env.events.push(...inserted);
      return inserted;
    };
    const enforcer = new BudgetEnforcer({
      store: env.store,
      ledger: env.ledger,
      manager: env.manager.asManager(),
      record,
    });
    env.watch = new UsageWatch({
      store: env.store,
      ledger: env.ledger,
      ingester: env.ingester,
      enforcer,
      clock: env.clock,
      record,
      evaluateEveryMs: 1000,
    });
  };
  make();
  env.restart = () => {
    env.reopen();
    make();
  };
  env.round = async (events = []) => {
    const doc: StatusDoc = {
      services: Object.entries(env.states).map(([name, state]) => ({ ...serviceStatus(name), state })),
    };
    env.watch.observe(doc, events);
    await env.watch.idle();
  };
  env.spend = (service, tokens, extra = {}) => {
    seq++;
    const line = {
      event: 'llm_usage',
      model: 'test-model',
      request_id: `${service}-${seq}`,
      input_tokens: tokens,
      output_tokens: 0,
      ts: env.clock.now(),
      ...extra,
    };
    fs.appendFileSync(env.logPath(service), `${JSON.stringify(line)}\n`);
  };
  env.settings = (budget) => {
    const value: UsageSettings = {
      budget: budget === null ? null : normalizeBudget(budgetSchema.parse({ timezone: 'UTC', ...budget })),
      pricing: normalizePricing({ 'test-model': { input: 1, output: 1 } }),
    };
    env.store.setState(USAGE_SETTINGS_KEY, value);
  };
  env.addService = (name, usage = usageSpec()) => {
    const spec = {
      name,
      command: ['/bin/true'],
      restart: { policy: 'always', delaySec: 1, burst: 5, intervalSec: 60 },
      usage,
    } as unknown as ServiceSpec;
    env.store.upsertService({
      name,
      unit: `vigil-${name}.service`,
      spec,
      hash: 'h',
      installedAt: 0,
      updatedAt: 0,
    });
    env.states[name] = 'running';
  };
  return env;
}

/** The parts of the agent's runtime the usage module uses, on a real temp database and a fake manager. */
export interface UsageModuleBed {
  home: string;
  store: SqliteStore;
  clock: FakeClock;
  manager: FakeManager;
  runtime: AgentRuntime;
  /** Installs the services as `vigil apply` would record them. */
  install(specs: readonly ServiceSpec[]): void;
  /** The budget the module reads from the store (the manifest's `budget:` block). */
  setBudget(budget: unknown): void;
  /** One `llm_usage` line of `outputTokens` for claude-sonnet-4-5 ($15/MTok) in the service's log. */
  writeUsage(logName: string, requestId: string, outputTokens: number): void;
}

export function usageModuleBed(): UsageModuleBed {
  const dbFile = tempDbPath();
  const home = path.dirname(dbFile);
  const store = SqliteStore.open(dbFile);
  const clock = new FakeClock(Date.UTC(2026, 10, 26, 12));
  const manager = new FakeManager();
  const runtime = {
    ctx: { env: {}, paths: vigilPaths({ VIGIL_HOME: home }) },
    store,
    clock,
    manager: manager.asManager(),
    supervisor: {
      // Like Supervisor.record: stores, then hands the new rows to `then` (at once: nothing is locked here).
      record: (
        events: Parameters<SqliteStore['appendEvents']>[0],
        then?: (rows: ReturnType<SqliteStore['appendEvents']>) => void,
      ) => {
        const rows = store.appendEvents(events);
        then?.(rows);
        return rows;
      },
    },
    status: new StatusHolder(),
    logger: pino({ level: 'silent' }),
  } as unknown as AgentRuntime;
  fs.mkdirSync(path.join(home, 'logs'), { recursive: true });
  return {
    home,
    store,
    clock,
    manager,
    runtime,
    install(specs) {
      for (const spec of specs)
        store.upsertService({
          name: spec.name,
          unit: `vigil-${spec.name}.service`,
          spec,
          hash: 'h',
          installedAt: 0,
          updatedAt: 0,
        });
    },
    setBudget(budget) {
      store.setState(USAGE_SETTINGS_KEY, {
        budget: normalizeBudget(budgetSchema.parse(budget)),
        pricing: null,
      });
    },
    writeUsage(logName, requestId, outputTokens) {
      fs.writeFileSync(
        path.join(home, 'logs', `${logName}.log`),
        `${JSON.stringify({ event: 'llm_usage', model: 'claude-sonnet-4-5', request_id: requestId, input_tokens: 0, output_tokens: outputTokens })}\n`,
      );
    },
  };
}
