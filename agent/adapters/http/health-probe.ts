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

export function probeHealth(url: string, timeoutMs: number, now: () => number = Date.now): Promise<ProbeResult> {
  const started = performance.now();
  const at = now();
  const done = (r: Omit<ProbeResult, 'latencyMs' | 'at'>): ProbeResult => ({ ...r, latencyMs: Math.round(performance.now() - started), at });
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    let req: http.ClientRequest;
    try {
      const lib = url.startsWith('https:') ? https : http;
      req = lib.get(url, { headers: { accept: 'application/json', 'user-agent': 'vigil-probe' }, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= MAX_BODY) chunks.push(c);
        });
        res.on('end', () => finish(done(interpret(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')))));
        res.on('error', (err) => finish(done({ health: 'down', httpStatus: res.statusCode ?? null, reported: null, checks: null, error: err.message })));
      });
    } catch (err) {
      resolve(done({ health: 'down', httpStatus: null, reported: null, checks: null, error: (err as Error).message }));
      return;
    }
    const timer = setTimeout(() => {
      finish(done({ health: 'down', httpStatus: null, reported: null, checks: null, error: `timed out after ${timeoutMs} ms` }));
      req.destroy();
    }, timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) =>
      finish(done({ health: 'down', httpStatus: null, reported: null, checks: null, error: err.code === 'ECONNREFUSED' ? 'connection refused' : err.message })),
    );
  });
}

/** The HealthProber port over probeHealth. */
export class HttpHealthProber implements HealthProber {
  constructor(private readonly now: () => number = Date.now) {}

  probe(url: string, timeoutMs: number): Promise<ProbeResult> {
    return probeHealth(url, timeoutMs, this.now);
  }
}
