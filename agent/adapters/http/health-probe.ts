/**
 * One HTTP health probe: GET the URL with a timeout; 2xx is up. A JSON body with a `status` field (the
 * common {"status":"healthy"|"degraded", "checks":{…}} shape) refines the answer and its checks are kept.
 * The timeout covers the whole exchange (connect, headers and body), so a hung endpoint always ends.
 * http:// goes through the lean raw-socket client (raw-get.ts); https:// through node's https, loaded on the
 * first https probe (TLS costs the agent about 2 MB of resident memory).
 */
import { interpret, type ProbeResult } from '../../core/health/probe.js';
import { rawGet, type RawHttpError } from './raw-get.js';
import { httpLib } from './http-lib.js';

export { interpret };
export type { ProbeHealth, ProbeResult } from '../../core/health/probe.js';

const MAX_BODY = 64 * 1024;
const HEADERS = { accept: 'application/json', 'user-agent': 'vigil-probe' };

export function probeHealth(
  url: string,
  timeoutMs: number,
  now: () => number = Date.now,
): Promise<ProbeResult> {
  const started = performance.now();
  const at = now();
  const done = (r: Omit<ProbeResult, 'latencyMs' | 'at'>): ProbeResult => ({
    ...r,
    latencyMs: Math.round(performance.now() - started),
    at,
  });
  const down = (error: string, httpStatus: number | null = null) =>
    done({ health: 'down', httpStatus, reported: null, checks: null, error });
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return Promise.resolve(down('invalid URL'));
  }
  return new Promise((resolve) => {
    let settled = false;
    let abort = () => {};
    const finish = (r: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      abort();
      resolve(r);
    };
    const timer = setTimeout(() => finish(down(`timed out after ${timeoutMs} ms`)), timeoutMs);
    const failed = (err: { code?: string | undefined; message: string }) =>
      finish(down(err.code === 'ECONNREFUSED' ? 'connection refused' : err.message));
    if (parsed.protocol === 'http:') {
      const get = rawGet(parsed, MAX_BODY, HEADERS);
      abort = get.abort;
      get.done.then(
        (r) => finish(done(interpret(r.status, r.body))),
        (err: RawHttpError) => failed(err),
      );
      return;
    }
    if (parsed.protocol !== 'https:') {
      finish(down(`unsupported protocol ${parsed.protocol}`));
      return;
    }
    httpLib('https:')
      .then((https) => {
        if (settled || !https) return;
        const req = https.get(parsed, { headers: HEADERS, agent: false }, (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size <= MAX_BODY) chunks.push(c);
          });
          res.on('end', () =>
            finish(done(interpret(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')))),
          );
          res.on('error', (err) => finish(down(err.message, res.statusCode ?? null)));
        });
        abort = () => req.destroy();
        req.on('error', (err: NodeJS.ErrnoException) => failed(err));
      })
      .catch((err: unknown) => finish(down((err as Error).message)));
  });
}
