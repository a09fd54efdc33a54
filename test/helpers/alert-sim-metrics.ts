/**
 * The simulated services' own metrics for the alert-precision simulator: the guide's prometheus_client
 * series (requests by status, the latency histogram, tokens, the hourly cost estimate, a circuit breaker)
 * as counters that grow with simulated time at the rates a case sets, served as Prometheus text to the
 * agent's real scrape path (MetricAlerts), and the memory the resource samples would report.
 */
export interface MetricRates {
  /** Requests per second, all statuses. */
  rps: number;
  /** Share of the requests that fail (status="error"). */
  errorFrac: number;
  /** Share of the requests that take SLOW_SEC (the rest take FAST_SEC). */
  slowFrac: number;
  tokensPerRequest: number;
  costPerHour: number;
  breakerOpen: number;
  memoryMb: number;
}

export const METRIC_NORMAL: MetricRates = {
  rps: 10,
  errorFrac: 0,
  slowFrac: 0,
  tokensPerRequest: 100,
  costPerHour: 0.5,
  breakerOpen: 0,
  memoryMb: 40,
};

/** What a case can do to a service's metrics (from then on). */
export const METRIC_ACTIONS = {
  'errors-high': { errorFrac: 0.3 },
  'errors-low': { errorFrac: 0.03 },
  'errors-off': { errorFrac: 0 },
  'slow-high': { slowFrac: 0.5 },
  'slow-few': { slowFrac: 0.02 },
  'slow-off': { slowFrac: 0 },
  'memory-high': { memoryMb: 90 },
  'memory-ok': { memoryMb: 40 },
  'cost-high': { costPerHour: 3 },
  'cost-ok': { costPerHour: 0.5 },
  'breaker-open': { breakerOpen: 1 },
  'breaker-closed': { breakerOpen: 0 },
  'tokens-high': { tokensPerRequest: 500 },
  'tokens-ok': { tokensPerRequest: 100 },
} as const satisfies Record<string, Partial<MetricRates>>;
export type MetricAction = keyof typeof METRIC_ACTIONS;

export const isMetricAction = (a: string): a is MetricAction => a in METRIC_ACTIONS;

const FAST_SEC = 0.2;
const SLOW_SEC = 20;
const BUCKETS = [0.5, 1, 5, 10, 30] as const;

/** One service's counters, advanced piecewise: rates are constant between two calls of `advance`. */
export class SimMetrics {
  rates: MetricRates = { ...METRIC_NORMAL };
  private at: number;
  private ok = 0;
  private err = 0;
  private fast = 0;
  private slow = 0;
  private tokens = 0;

  constructor(at: number) {
    this.at = at;
  }

  advance(to: number): void {
    const dt = Math.max(0, to - this.at) / 1000;
    this.at = Math.max(this.at, to);
    const n = this.rates.rps * dt;
    this.err += n * this.rates.errorFrac;
    this.ok += n * (1 - this.rates.errorFrac);
    this.slow += n * this.rates.slowFrac;
    this.fast += n * (1 - this.rates.slowFrac);
    this.tokens += n * this.rates.tokensPerRequest;
  }

  set(action: MetricAction, at: number): void {
    this.advance(at);
    this.rates = { ...this.rates, ...METRIC_ACTIONS[action] };
  }

  text(at: number): string {
    this.advance(at);
    const total = this.fast + this.slow;
    const bucket = (le: number) => (le >= SLOW_SEC ? total : le >= FAST_SEC ? this.fast : 0);
    return [
      '# TYPE agent_requests_total counter',
      `agent_requests_total{status="ok"} ${this.ok}`,
      `agent_requests_total{status="error"} ${this.err}`,
      '# TYPE agent_request_duration_seconds histogram',
      ...BUCKETS.map((le) => `agent_request_duration_seconds_bucket{le="${le}"} ${bucket(le)}`),
      `agent_request_duration_seconds_bucket{le="+Inf"} ${total}`,
      `agent_request_duration_seconds_count ${total}`,
      `agent_request_duration_seconds_sum ${this.fast * FAST_SEC + this.slow * SLOW_SEC}`,
      '# TYPE agent_tokens_total counter',
      `agent_tokens_total ${this.tokens}`,
      '# TYPE agent_cost_estimate_hourly gauge',
      `agent_cost_estimate_hourly ${this.rates.costPerHour}`,
      '# TYPE agent_circuit_breaker_open gauge',
      `agent_circuit_breaker_open{name="llm"} ${this.rates.breakerOpen}`,
      '',
    ].join('\n');
  }

  memoryBytes(): number {
    return this.rates.memoryMb * 1048576;
  }
}
