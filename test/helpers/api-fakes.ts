/**
 * Fakes of one feature's routes each, for a test server (startFixture({ handlers })) that has only what
 * the test exercises; the core routes' fakes are FakeHandlers in api-fixture.ts.
 */
import { VigilError } from '../../agent/core/errors.js';
import {
  actorOf,
  type AlertTestResponse,
  type AlertsResponse,
  type ResourcesResponse,
} from '../../agent/api/contract.js';
import type { AgentApi, RouteRequest } from '../../agent/api/server.js';
import type { LogSearchResult, LogTailQuery, LogTailResult } from '../../agent/core/logs/model.js';
import type {
  AuditDoc,
  CredentialSetInfo,
  CredentialsDoc,
  RotationResult,
} from '../../agent/api/routes/credentials.js';
import { fakeBudget, fakeResume, fakeUsageReport, fakeUsageSeries } from './usage-fakes.js';

type Slice<K extends keyof AgentApi> = Pick<AgentApi, K>;

export class FakeMonitor implements Slice<'resources' | 'alerts' | 'alertTest' | 'metrics'> {
  resources = ({ query: q }: RouteRequest<'resources'>): ResourcesResponse => ({
    now: 1_700_000_000_000,
    series: [{ service: q.service ?? 'web', resolution: 'raw', stepMs: 5000, points: [] }],
  });

  alerts = (): AlertsResponse => ({ firing: [], quietNow: false, channels: [], notifications: [] });

  alertTest = async (): Promise<AlertTestResponse> => ({ notification: null });

  metrics = async (): Promise<string> =>
    '# HELP vigil_test a test metric\n# TYPE vigil_test gauge\nvigil_test 1\n';
}

export class FakeCredentials implements Slice<
  'credentials' | 'credentialSet' | 'credentialRemove' | 'credentialRotate' | 'credentialAudit'
> {
  /** Credential calls as received (values included: the fake is where a test checks they arrived). */
  readonly credentialCalls: unknown[][] = [];

  credentials = async (): Promise<CredentialsDoc> => ({ dir: '/fake/credentials', sets: [] });

  /** Records the validated body and the actor the agent's slice derives from it (actorOf). */
  credentialSet = async ({
    params: { set, key },
    body,
    access,
  }: RouteRequest<'credentialSet'>): Promise<CredentialSetInfo> => {
    this.credentialCalls.push(['set', set, key, body.value, actorOf(access.principal)]);
    return {
      set,
      file: `/fake/credentials/${set}.env`,
      exists: true,
      keys: [{ key, masked: '••••', updatedAt: null, ageDays: null, overdue: false }],
      services: [],
      rotateAfterDays: null,
      overdue: false,
      problem: null,
    };
  };

  credentialRemove = async ({
    params: { set, key },
    access,
  }: RouteRequest<'credentialRemove'>): Promise<CredentialSetInfo> => {
    this.credentialCalls.push(['remove', set, key, actorOf(access.principal)]);
    return {
      set,
      file: `/fake/credentials/${set}.env`,
      exists: true,
      keys: [],
      services: [],
      rotateAfterDays: null,
      overdue: false,
      problem: null,
    };
  };

  credentialRotate = async ({
    params: { set },
    body,
  }: RouteRequest<'credentialRotate'>): Promise<RotationResult> => {
    this.credentialCalls.push(['rotate', set, body]);
    return {
      id: 'r1',
      set,
      keys: Object.keys(body.values),
      outcome: 'succeeded',
      services: [],
      checks: [],
      failed: null,
      rollback: null,
      startedAt: '2024-01-01T00:00:00.000Z',
      durationMs: 1,
    };
  };

  credentialAudit = async (): Promise<AuditDoc> => ({ records: [] });
}

/** Log routes and the log stream over one fake service, "web". */
export class FakeLogs implements Slice<'logTail' | 'logSearch' | 'logFollow' | 'followLog'> {
  /** appendLog() adds lines and wakes followers. */
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

  logTail = async ({
    params: { name: service },
    query: q,
  }: RouteRequest<'logTail'>): Promise<LogTailResult> => {
    this.requireLog(service);
    this.logQueries.push(q);
    return {
      service,
      lines: this.logLines.slice(-q.lines),
      files: ['web.log'],
      timedOut: false,
      scannedBytes: 0,
    };
  };

  logSearch = async ({
    params: { name: service },
    query: q,
  }: RouteRequest<'logSearch'>): Promise<LogSearchResult> => {
    this.requireLog(service);
    this.logQueries.push(q);
    const matches = this.logLines
      .filter((l) => l.includes(q.pattern))
      .map((line) => ({ file: 'web.log', line }));
    return {
      service,
      matches: matches.slice(-q.limit),
      truncated: false,
      timedOut: false,
      scannedBytes: 0,
      elapsedMs: 0,
      files: ['web.log'],
    };
  };

  logFollow = (): never => {
    throw new VigilError('E_USAGE', 'this endpoint streams: ask with Accept: text/event-stream');
  };

  async followLog(
    service: string,
    q: LogTailQuery,
    onLines: (lines: string[]) => void | Promise<void>,
    signal: AbortSignal,
  ): Promise<void> {
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
}

export class FakeUsage implements Slice<'usage' | 'usageSeries' | 'budget' | 'budgetResume'> {
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
}
