/**
 * One HTTP health probe: GET the URL with a timeout; 2xx is up. A JSON body with a `status` field (the
 * common {"status":"healthy"|"degraded", "checks":{…}} shape) refines the answer and its checks are kept.
 * The timeout covers the whole exchange (connect, headers and body), so a hung endpoint always ends.
 */
import http from 'node:http';
import https from 'node:https';
import { interpret, type ProbeResult } from '../../core/health/probe.js';
import type { HealthProber } from '../../ports/health-prober.js';

export { interpret };
export type { ProbeHealth, ProbeResult } from '../../core/health/probe.js';

const MAX_BODY = 64 * 1024;

export interface ProbeAgents {
  http: http.Agent;
  https: https.Agent;
}

/**
 * Probes once. With keep-alive `agents`, a connection is reused between probes (about half the CPU of a
 * new connection each time); a reused connection the server closed meanwhile (ECONNRESET/EPIPE before
 * any answer) is retried once on a fresh one, so that race never reads as "down".
 */
export function probeHealth(url: string, timeoutMs: number, now: () => number = Date.now, agents?: ProbeAgents): Promise<ProbeResult> {
  const started = performance.now();
  const at = now();
  const done = (r: Omit<ProbeResult, 'latencyMs' | 'at'>): ProbeResult => ({ ...r, latencyMs: Math.round(performance.now() - started), at });
  return new Promise((resolve) => {
    let settled = false;
    let req: http.ClientRequest | null = null;
    const finish = (r: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const down = (error: string, httpStatus: number | null = null) => finish(done({ health: 'down', httpStatus, reported: null, checks: null, error }));
    const timer = setTimeout(() => {
      down(`timed out after ${timeoutMs} ms`);
      req?.destroy();
    }, timeoutMs);
    const attempt = (mayRetry: boolean) => {
      try {
        const secure = url.startsWith('https:');
        const lib = secure ? https : http;
        const agent = agents ? (secure ? agents.https : agents.http) : false;
        req = lib.get(url, { headers: { accept: 'application/json', 'user-agent': 'vigil-probe' }, agent }, (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size <= MAX_BODY) chunks.push(c);
          });
          res.on('end', () => finish(done(interpret(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')))));
          res.on('error', (err) => down(err.message, res.statusCode ?? null));
        });
      } catch (err) {
        down((err as Error).message);
        return;
      }
      const sent = req;
      sent.on('error', (err: NodeJS.ErrnoException) => {
        if (settled) return;
        if (mayRetry && sent.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) attempt(false);
        else down(err.code === 'ECONNREFUSED' ? 'connection refused' : err.message);
      });
    };
    attempt(agents !== undefined);
  });
}

/** The HealthProber port over probeHealth. */
export class HttpHealthProber implements HealthProber {
  private readonly agents: ProbeAgents = {
    http: new http.Agent({ keepAlive: true, maxFreeSockets: 64 }),
    https: new https.Agent({ keepAlive: true, maxFreeSockets: 64 }),
  };

  constructor(private readonly now: () => number = Date.now) {}

  probe(url: string, timeoutMs: number): Promise<ProbeResult> {
    return probeHealth(url, timeoutMs, this.now, this.agents);
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}
