/** A real API server on a temp socket + ephemeral loopback port, backed by small fake handlers. */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { VigilError } from '../../agent/core/errors.js';
import type { EventType, NewEvent, VigilEvent } from '../../agent/core/events.js';
import type { ServiceStatus, StatusDoc } from '../../agent/core/status.js';
import type { EventQuery } from '../../agent/ports/store.js';
import type { ActionResult, HealthDoc } from '../../agent/api/contract.js';
import type { AgentApi, ApiHandlers, RouteRequest } from '../../agent/api/server.js';
import { startApiServer, type ApiServer, type ApiServerOptions } from '../../agent/api/server.js';

export const TOKEN = 'a'.repeat(64);

export function serviceStatus(name: string): ServiceStatus {
  return {
    name,
    unit: `vigil-${name}.service`,
    state: 'running',
    pid: 4242,
    restarts: 0,
    since: '2024-01-01T00:00:00.000Z',
    lastExit: null,
    health: 'healthy',
    drifted: false,
    memoryBytes: null,
    cpuNsec: null,
  };
}

/**
 * Fakes of the core routes and the event stream (what most server tests need). A test of another
 * feature passes that feature's fake (api-fakes.ts) as startFixture({ handlers }); the routes a server
 * is not given answer E_UNAVAILABLE.
 */
export class FakeHandlers implements Pick<
  AgentApi,
  'status' | 'action' | 'events' | 'eventHistory' | 'subscribe' | 'health'
> {
  readonly history: VigilEvent[] = [];
  readonly queries: EventQuery[] = [];
  readonly listeners = new Set<(e: VigilEvent) => void>();
  /** Runs inside events(), before the history is read (to simulate an event recorded meanwhile). */
  onQuery: (() => void) | null = null;
  fail: Error | null = null;
  private subscribed: Array<() => void> = [];
  private unsubscribed: Array<() => void> = [];

  status = async (): Promise<StatusDoc> => {
    if (this.fail) throw this.fail;
    return { services: [serviceStatus('web')] };
  };

  action = async ({
    params: { name: service, verb: action },
  }: RouteRequest<'action'>): Promise<ActionResult> => {
    if (service !== 'web') throw new VigilError('E_UNKNOWN_SERVICE', `unknown service "${service}"`);
    return { service, action, ok: true, status: serviceStatus(service) };
  };

  events = ({ query }: RouteRequest<'events'>) => ({ events: this.eventHistory(query) });

  eventHistory(q: EventQuery): VigilEvent[] {
    this.queries.push(q);
    this.onQuery?.();
    const matching = this.history.filter(
      (e) =>
        (q.afterId === undefined || e.id > q.afterId) &&
        (q.since === undefined || e.at >= q.since) &&
        (q.service === undefined || e.service === q.service) &&
        (q.types === undefined || q.types.includes(e.type)),
    );
    return matching.slice(-(q.limit ?? 200));
  }

  subscribe(listener: (e: VigilEvent) => void): () => void {
    this.listeners.add(listener);
    for (const f of this.subscribed.splice(0)) f();
    return () => {
      this.listeners.delete(listener);
      for (const f of this.unsubscribed.splice(0)) f();
    };
  }

  health = (): HealthDoc => ({
    ok: true,
    version: '9.9.9',
    pid: process.pid,
    startedAt: '2024-01-01T00:00:00.000Z',
  });

  /** Records an event (next id) and tells the subscribers. */
  emit(type: EventType = 'started', service: string | null = 'web', at = 1_700_000_000_000): VigilEvent {
    const base: NewEvent = {
      key: `k${this.history.length + 1}`,
      at,
      service,
      type,
      severity: 'info',
      message: type,
    };
    const e: VigilEvent = { ...base, id: this.history.length + 1 };
    this.history.push(e);
    for (const l of [...this.listeners]) l(e);
    return e;
  }

  /** Resolves when the subscriber count reaches n (immediately if it has). */
  waitForSubscribers(n: number): Promise<void> {
    return this.waitFor(n, this.subscribed);
  }

  waitForUnsubscribe(n = 0): Promise<void> {
    return this.waitFor(n, this.unsubscribed);
  }

  private waitFor(n: number, queue: Array<() => void>): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.listeners.size === n) resolve();
        else queue.push(check);
      };
      check();
    });
  }
}

export interface Fixture<H extends ApiHandlers = FakeHandlers> {
  dir: string;
  socketPath: string;
  /** What the server was given: `handlers` of startFixture, else the core fakes. */
  handlers: H;
  server: ApiServer;
  port: number;
  baseUrl: string;
  close(): Promise<void>;
}

export function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'vigil-api-'));
}

/** `extra.handlers`: only these (a Partial table: the routes left out answer E_UNAVAILABLE). */
export async function startFixture<H extends ApiHandlers = FakeHandlers>(
  extra: Omit<Partial<ApiServerOptions>, 'handlers'> & { handlers?: H } = {},
): Promise<Fixture<H>> {
  const dir = tempDir();
  const socketPath = path.join(dir, 'agent.sock');
  const handlers = extra.handlers ?? (new FakeHandlers() as ApiHandlers as H);
  const server = await startApiServer({
    socketPath,
    http: { host: '127.0.0.1', port: 0 },
    token: TOKEN,
    ...extra,
    handlers,
  });
  const port = server.httpAddress()?.port ?? 0;
  return {
    dir,
    socketPath,
    handlers,
    server,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts a server that is expected to fail; if it starts anyway it is closed again (no hanging test). */
export async function startMustFail(opts: ApiServerOptions): Promise<unknown> {
  let server: ApiServer;
  try {
    server = await startApiServer(opts);
  } catch (err) {
    return err;
  }
  await server.close();
  throw new Error('the server started but should have refused to');
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

/** A plain HTTP request with exactly the headers given (Host included). */
export function raw(
  target: { port: number } | { socketPath: string },
  opts: {
    method?: string;
    path: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    /** Send the body chunked (no Content-Length). */
    chunked?: boolean;
  },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        ...('port' in target ? { host: '127.0.0.1', port: target.port } : { socketPath: target.socketPath }),
        method: opts.method ?? 'GET',
        path: opts.path,
        headers: opts.headers ?? {},
        agent: false,
        setHost: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (opts.chunked && opts.body !== undefined) {
      req.write(opts.body);
      req.end();
    } else req.end(opts.body);
  });
}

export function hostHeaders(port: number, extra: Record<string, string> = {}): Record<string, string> {
  return { host: `127.0.0.1:${port}`, authorization: `Bearer ${TOKEN}`, ...extra };
}
