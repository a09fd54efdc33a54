/** What the daemon implements for the API server. Handlers throw VigilError to signal errors. */
import type { StatusDoc } from '../core/status.js';
import type { VigilEvent } from '../core/events.js';
import type { EventQuery } from '../ports/store.js';
import type { ActionResult, ActionVerb, HealthDoc } from './contract.js';
import type { MonitorApiHandlers } from './handlers-monitor.js';
import type { CredentialApiHandlers } from './handlers-credentials.js';
import type { LogApiHandlers } from './handlers-logs.js';
import type { UsageApiHandlers } from './handlers-usage.js';

export type ApiHandlers = CoreApiHandlers & MonitorApiHandlers & CredentialApiHandlers & LogApiHandlers & UsageApiHandlers;

export interface CoreApiHandlers {
  /** GET /api/status */
  status(): Promise<StatusDoc>;
  /** POST /api/services/:name/:verb — throws VigilError('E_UNKNOWN_SERVICE') for a name not in the manifest. */
  action(service: string, action: ActionVerb): Promise<ActionResult>;
  /** GET /api/events, and the history replayed to an event stream (with afterId) before it goes live. */
  events(q: EventQuery): VigilEvent[];
  /** The same events a page at a time (GET /api/events writes each as it comes); default: events(q) whole. */
  eventPages?(q: EventQuery): Iterable<VigilEvent[]>;
  /** Every newly recorded event, in id order; returns the unsubscribe function. */
  subscribe(listener: (e: VigilEvent) => void): () => void;
  /** GET /api/health */
  health(): HealthDoc;
}
