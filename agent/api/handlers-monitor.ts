/** What the daemon implements for the health/resources/alerts routes. */
import type { AlertTestResponse, AlertsQuery, AlertsResponse, ResourcesQuery, ResourcesResponse } from './routes/monitor.js';

export interface MonitorApiHandlers {
  /** GET /api/resources — history for sparklines. */
  resources(q: ResourcesQuery): ResourcesResponse;
  /** GET /api/alerts — firing alerts and recent notifications with their deliveries. */
  alerts(q: AlertsQuery): AlertsResponse;
  /** POST /api/alerts/test — sends a test notification to every channel and waits for the first attempt. */
  alertTest(): Promise<AlertTestResponse>;
  /** GET /metrics — Prometheus text. */
  metrics(): Promise<string>;
}
