/**
 * The desktop app's line to the Vigil agent: over its unix socket (no token needed: the socket is 0600
 * and ours). Keeps the tray's state fresh (status every few seconds and at once on an event), hands
 * events to the notifier, and reconnects when the agent restarts or appears. No Electron import: tested
 * against a real API server in unit tests.
 */
import { stopWaitMs } from '../agent/core/manifest/stop-settings.js';
import { existsSync } from 'node:fs';
import { ApiClient } from '../agent/api/client.js';
import type { RouteResponse } from '../agent/api/contract.js';
import type { Connection, TrayState } from './tray-menu.js';

type VigilEvent = RouteResponse<'events'>['events'][number];

export interface AgentLinkOptions {
  socketPath: string;
  pollMs?: number;
  retryMs?: number;
  onChange: (s: Pick<TrayState, 'connection' | 'problem' | 'services' | 'budget' | 'budgetLifted'>) => void;
  onEvent?: (e: VigilEvent) => void;
}

export class AgentLink {
  private readonly client: ApiClient;
  private state: Pick<TrayState, 'connection' | 'problem' | 'services' | 'budget' | 'budgetLifted'> = {
    connection: 'connecting',
    problem: null,
    services: [],
    budget: null,
    budgetLifted: false,
  };
  private stopped = false;
  private streamCtl: AbortController | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastEventId = 0;
  uiUrl: string | null = null;

  constructor(private readonly opts: AgentLinkOptions) {
    this.client = new ApiClient({ socketPath: opts.socketPath, timeoutMs: 5_000 });
  }

  get current(): Readonly<typeof this.state> {
    return this.state;
  }

  start(): void {
    this.stopped = false;
    void this.tick();
  }

  stop(): void {
    this.stopped = true;
    this.streamCtl?.abort();
    if (this.timer !== null) clearTimeout(this.timer);
  }

  /** A one-time login URL for the dashboard window. */
  async loginUrl(): Promise<string> {
    return (await this.client.call('loginCode', {})).url;
  }

  async restart(service: string): Promise<void> {
    // A restart includes a stop, which may take the service's stopTimeoutSec.
    const s = (await this.client.status()).services.filter((x) => x.name === service);
    await this.client.action(service, 'restart', { timeoutMs: stopWaitMs(s) });
    await this.refresh();
  }

  /**
   * Raises today's caps by addUsd, or (without it) lifts them for the rest of the day; either way starts
   * what budgets stopped. The same call as the Usage page's Resume / Raise / Pause.
   */
  async resumeBudget(addUsd?: number): Promise<string[]> {
    const r = await this.client.call('budgetResume', {}, undefined, addUsd === undefined ? {} : { addUsd });
    await this.refresh();
    return r.resumed;
  }

  private set(next: Partial<typeof this.state>): void {
    this.state = { ...this.state, ...next };
    this.opts.onChange(this.state);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  /** One status round; (re)opens the event stream when connected. */
  private async tick(): Promise<void> {
    try {
      await this.refresh();
      this.openStream();
      this.schedule(this.opts.pollMs ?? 5_000);
    } catch (err) {
      this.streamCtl?.abort();
      this.streamCtl = null;
      const missing = !existsSync(this.opts.socketPath) || /ECONNREFUSED|ENOENT/.test((err as Error).message);
      this.set({
        connection: missing ? 'no-agent' : 'error',
        problem: (err as Error).message,
        services: [],
        budget: null,
      });
      this.schedule(this.opts.retryMs ?? 2_000);
    }
  }

  private async refresh(): Promise<void> {
    const [status, session] = await Promise.all([this.client.status(), this.client.call('session', {})]);
    this.uiUrl = session.uiUrl;
    let lifted = false;
    if (status.budget) {
      try {
        lifted = (await this.client.call('budget', {})).scopes.some((s) => s.scope === 'daily' && s.lifted);
      } catch {
        lifted = false;
      }
    }
    const connection: Connection = session.uiUrl === null ? 'no-http' : 'connected';
    this.set({
      connection,
      problem: null,
      services: status.services.map((s) => ({ name: s.name, state: s.state, health: s.health })),
      budget: status.budget ?? null,
      budgetLifted: lifted,
    });
  }

  private openStream(): void {
    if (this.streamCtl !== null || this.stopped) return;
    const ctl = new AbortController();
    this.streamCtl = ctl;
    const q = this.lastEventId > 0 ? { afterId: this.lastEventId } : {};
    this.client
      .streamEvents(
        q,
        (e) => {
          this.lastEventId = e.id;
          this.opts.onEvent?.(e);
          if (e.service !== null || e.type.startsWith('budget')) void this.refresh().catch(() => undefined);
        },
        ctl.signal,
      )
      .catch(() => undefined)
      .finally(() => {
        if (this.streamCtl === ctl) this.streamCtl = null;
        // The next tick reopens it (or finds the agent gone).
      });
  }
}
