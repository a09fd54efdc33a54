/** A real API server on a temp socket + ephemeral loopback port, backed by small fake handlers. */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { VigilError } from '../../agent/core/errors.js';
import type { EventType, NewEvent, VigilEvent } from '../../agent/core/events.js';
import type { ServiceStatus, StatusDoc } from '../../agent/core/status.js';
import type { EventQuery } from '../../agent/ports/store.js';
import { actorOf, type ActionResult, type AlertTestResponse, type AlertsResponse, type HealthDoc, type ResourcesResponse } from '../../agent/api/contract.js';
import type { AgentApi, RouteRequest } from '../../agent/api/route-table.js';
import type { LogSearchResult, LogTailQuery, LogTailResult } from '../../agent/core/logs/model.js';
import type { AuditDoc, CredentialSetInfo, CredentialsDoc, RotationResult } from '../../agent/api/routes/credentials.js';
import { startApiServer, type ApiServer, type ApiServerOptions } from '../../agent/api/server.js';
import { fakeBudget, fakeResume, fakeUsageReport, fakeUsageSeries } from './usage-fakes.js';

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

/** Fakes of every route (tests that need only some pass their own Partial handlers to startFixture). */
export class FakeHandlers implements AgentApi {
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

  action = async ({ params: { name: service, verb: action } }: RouteRequest<'action'>): Promise<ActionResult> => {
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

  health = (): HealthDoc => ({ ok: true, version: '9.9.9', pid: process.pid, startedAt: '2024-01-01T00:00:00.000Z' });

  resources = ({ query: q }: RouteRequest<'resources'>): ResourcesResponse => ({
    now: 1_700_000_000_000,
    series: [{ service: q.service ?? 'web', resolution: 'raw', stepMs: 5000, points: [] }],
  });

  alerts = (): AlertsResponse => ({ firing: [], quietNow: false, channels: [], notifications: [] });

  alertTest = async (): Promise<AlertTestResponse> => ({ notification: null });

  metrics = async (): Promise<string> => '# HELP vigil_test a test metric\n# TYPE vigil_test gauge\nvigil_test 1\n';

  /** Credential calls as received (values included: the fake is where a test checks they arrived). */
  readonly credentialCalls: unknown[][] = [];

  credentials = async (): Promise<CredentialsDoc> => ({ dir: '/fake/credentials', sets: [] });

  /** Records the validated body and the actor the agent's slice derives from it (actorOf). */
  credentialSet = async ({ params: { set, key }, body, access }: RouteRequest<'credentialSet'>): Promise<CredentialSetInfo> => {
    this.credentialCalls.push(['set', set, key, body.value, actorOf(access.principal, body.actor)]);
    return { set, file: `/fake/credentials/${set}.env`, exists: true, keys: [{ key, masked: '••••', updatedAt: null, ageDays: null, overdue: false }], services: [], rotateAfterDays: null, overdue: false, problem: null };
  };

  credentialRemove = async ({ params: { set, key }, body, access }: RouteRequest<'credentialRemove'>): Promise<CredentialSetInfo> => {
    this.credentialCalls.push(['remove', set, key, actorOf(access.principal, body?.actor)]);
    return { set, file: `/fake/credentials/${set}.env`, exists: true, keys: [], services: [], rotateAfterDays: null, overdue: false, problem: null };
  };

  credentialRotate = async ({ params: { set }, body }: RouteRequest<'credentialRotate'>): Promise<RotationResult> => {
    this.credentialCalls.push(['rotate', set, body]);
    return { id: 'r1', set, keys: Object.keys(body.values), outcome: 'succeeded', services: [], checks: [], failed: null, rollback: null, startedAt: '2024-01-01T00:00:00.000Z', durationMs: 1 };
  };

  credentialAudit = async (): Promise<AuditDoc> => ({ records: [] });

  /** The fake service "web"'s log; appendLog() adds lines and wakes followers. */
  readonly logLines: string[] = [];
  readonly logQueries: unknown[] = [];
  private readonly logFollowers = new Set<(lines: string[]) => void>();

  appendLog(...lines: string[]): void {
    this.logLines.push(...lines);
    for (const f of this.logFollowers) f(lines);
  }

  private requireLog(service: string): void {
    if (service !== 'web') throw new VigilError('E_UNKNOWN_SERVICE', `unknown service "${service}"`);
  }

  logTail = async ({ params: { name: service }, query: q }: RouteRequest<'logTail'>): Promise<LogTailResult> => {
    this.requireLog(service);
    this.logQueries.push(q);
    return { service, lines: this.logLines.slice(-q.lines), files: ['web.log'], timedOut: false, scannedBytes: 0 };
  };

  logSearch = async ({ params: { name: service }, query: q }: RouteRequest<'logSearch'>): Promise<LogSearchResult> => {
    this.requireLog(service);
    this.logQueries.push(q);
    const matches = this.logLines.filter((l) => l.includes(q.pattern)).map((line) => ({ file: 'web.log', line }));
    return { service, matches: matches.slice(-q.limit), truncated: false, timedOut: false, scannedBytes: 0, elapsedMs: 0, files: ['web.log'] };
  };

  logFollow = (): never => {
    throw new VigilError('E_USAGE', 'this endpoint streams: ask with Accept: text/event-stream');
  };

  async followLog(service: string, q: LogTailQuery, onLines: (lines: string[]) => void | Promise<void>, signal: AbortSignal): Promise<void> {
    this.requireLog(service);
    this.logQueries.push(q);
    await onLines(this.logLines.slice(-q.lines));
    const follower = (lines: string[]): void => void onLines(lines);
    this.logFollowers.add(follower);
    try {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    } finally {
      this.logFollowers.delete(follower);
    }
  }

  get logFollowerCount(): number {
    return this.logFollowers.size;
  }

  /** Usage and budget calls as received. */
  readonly usageCalls: unknown[][] = [];

  usage = ({ query: q }: RouteRequest<'usage'>) => {
    this.usageCalls.push(['usage', q]);
    return fakeUsageReport(q);
  };

  usageSeries = ({ query: q }: RouteRequest<'usageSeries'>) => {
    this.usageCalls.push(['usageSeries', q]);
    return fakeUsageSeries(q);
  };

  budget = () => fakeBudget();

  budgetResume = async ({ body }: RouteRequest<'budgetResume'>) => {
    this.usageCalls.push(['budgetResume', body]);
    return fakeResume(body);
  };

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

export interface Fixture {
  dir: string;
  socketPath: string;
  /** The fakes of every route; the server is given these unless startFixture is given its own `handlers`. */
  handlers: FakeHandlers;
  server: ApiServer;
  port: number;
  baseUrl: string;
  close(): Promise<void>;
}

export function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'vigil-api-'));
}

/** `extra.handlers`: only these (a Partial table: the routes left out answer E_UNAVAILABLE). */
export async function startFixture(extra: Partial<ApiServerOptions> = {}): Promise<Fixture> {
  const dir = tempDir();
  const socketPath = path.join(dir, 'agent.sock');
  const handlers = new FakeHandlers();
  const server = await startApiServer({
    handlers,
    socketPath,
    http: { host: '127.0.0.1', port: 0 },
    token: TOKEN,
    ...extra,
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
