/** Types the store shares, all derived from the agent's contract (nothing re-declared by hand). */
import type { RouteResponse } from '../../../agent/api/contract.js';

export type StatusDoc = RouteResponse<'status'>;
export type ServiceStatus = StatusDoc['services'][number];
/** A replicated service as a whole, as the agent judged it. */
export type ServiceGroup = NonNullable<StatusDoc['groups']>[number];
export type ServiceState = ServiceStatus['state'];
export type Health = ServiceStatus['health'];
export type VigilEvent = RouteResponse<'events'>['events'][number];
export type Severity = VigilEvent['severity'];

/** Whether a feature's data is there: `unavailable` when this agent has no such API (HTTP 404). */
export type Availability =
  | { kind: 'idle' }
  | { kind: 'loading' }
  | { kind: 'ready'; at: number }
  | { kind: 'unavailable'; message: string }
  | { kind: 'error'; message: string };

export const IDLE: Availability = { kind: 'idle' };

export type BudgetGlance = NonNullable<StatusDoc['budget']>;
/** Whether the agent can write to VIGIL_HOME (`disk-full` while it cannot). */
export type DiskGlance = NonNullable<StatusDoc['disk']>;
export type ResourceSeries = RouteResponse<'resources'>['series'][number];
export type LogTailResult = RouteResponse<'logTail'>;
export type LogSearchResult = RouteResponse<'logSearch'>;
export type UsageReport = RouteResponse<'usage'>;
export type UsageSeries = RouteResponse<'usageSeries'>;
export type BudgetStatus = RouteResponse<'budget'>;
export type HostDoc = RouteResponse<'host'>;
export type CredentialsDoc = RouteResponse<'credentials'>;
export type CredentialSet = CredentialsDoc['sets'][number];
export type RotationResult = RouteResponse<'credentialRotate'>;
export type AlertsDoc = RouteResponse<'alerts'>;
export type FiringAlert = AlertsDoc['firing'][number];
export type NotificationRecord = AlertsDoc['notifications'][number];
