/** The status document: `vigil status --json` and GET /api/status return exactly this. */

export type ServiceState = 'running' | 'starting' | 'stopped' | 'failed' | 'crashloop' | 'unknown';
export type Health = 'healthy' | 'degraded' | 'down' | 'unknown';

export interface ServiceStatus {
  name: string;
  unit: string;
  state: ServiceState;
  pid: number | null;
  restarts: number;
  /** ISO time of the last state change. */
  since: string | null;
  lastExit: { code: number | null; signal: string | null; reason: string | null } | null;
  health: Health;
  drifted: boolean;
  memoryBytes: number | null;
  cpuNsec: number | null;
}

export interface StatusDoc {
  services: ServiceStatus[];
}

const STATE_RANK: Readonly<Record<ServiceState, number>> = {
  running: 0,
  starting: 1,
  stopped: 2,
  unknown: 3,
  failed: 4,
  crashloop: 5,
};

/** The worst state among services (what a menu bar shows). */
export function worstState(states: readonly ServiceState[]): ServiceState {
  return states.reduce<ServiceState>((w, s) => (STATE_RANK[s] > STATE_RANK[w] ? s : w), 'running');
}
