// Shared by the demo services (`vigil demo`): JSON logs on stdout, a tiny HTTP server, env numbers,
// and the three simulated model tiers. Plain Node, no dependencies. Nothing here calls a real model.
import http from 'node:http';
import { randomBytes } from 'node:crypto';

export const SERVICE = process.env.DEMO_SERVICE ?? 'demo';

/** One JSON log line on stdout (Vigil's launcher appends it to the service's log). */
export function log(level, msg, fields = {}) {
  process.stdout.write(
    `${JSON.stringify({ level, time: new Date().toISOString(), service: SERVICE, msg, ...fields })}\n`,
  );
}

export function num(name, fallback) {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

export const rand = (lo, hi) => lo + Math.random() * (hi - lo);
export const randInt = (lo, hi) => Math.round(rand(lo, hi));
export const id = (prefix) => `${prefix}${randomBytes(12).toString('hex')}`;
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * The guide's three tiers (routed by task type). Model names as Anthropic reports them, so the bundled
 * price table prices them; token ranges as seen for such tasks (a cached system prompt plus the task).
 */
export const TIERS = {
  fast: {
    model: 'claude-3-5-haiku-20241022',
    tasks: ['classification', 'formatting', 'simple_extraction'],
    input: [300, 1800],
    output: [40, 400],
    cached: [2000, 6000],
    latency: [0.3, 1.4],
  },
  standard: {
    model: 'claude-sonnet-4-20250514',
    tasks: ['code_generation', 'analysis', 'summarization'],
    input: [800, 5000],
    output: [200, 1600],
    cached: [8000, 24000],
    latency: [1.2, 6],
  },
  complex: {
    model: 'claude-opus-4-20250514',
    tasks: ['architecture', 'root_cause_analysis', 'code_review'],
    input: [2000, 9000],
    output: [600, 3000],
    cached: [8000, 20000],
    latency: [4, 18],
  },
};

/** Picks a tier as a router would: mostly fast and standard work, now and then a complex task. */
export function pickTier() {
  const r = Math.random();
  return r < 0.55 ? 'fast' : r < 0.92 ? 'standard' : 'complex';
}

/** A JSON HTTP server on 127.0.0.1:port; routes: { 'GET /health': (req, body) => [status, value] }. */
export function serve(port, routes) {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', async () => {
      const route = routes[`${req.method} ${(req.url ?? '/').split('?')[0]}`];
      try {
        const [status, value, type] = route ? await route(req, body) : [404, { error: 'not found' }];
        res.writeHead(status, { 'content-type': type ?? 'application/json' });
        res.end(typeof value === 'string' ? value : JSON.stringify(value));
      } catch (err) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: String(err?.message ?? err) }));
      }
    });
  });
  server.listen(port, '127.0.0.1', () => log('info', 'listening', { port }));
  return server;
}

/** POSTs JSON and resolves with [status, parsed body]; rejects on a connection error or timeout. */
export function postJson(url, value, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json' }, timeout: timeoutMs },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => {
          try {
            resolve([res.statusCode ?? 0, JSON.parse(body)]);
          } catch {
            resolve([res.statusCode ?? 0, { error: body }]);
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(JSON.stringify(value));
  });
}

export function getJson(url, timeoutMs = 2000) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => {
        try {
          resolve([res.statusCode ?? 0, JSON.parse(body)]);
        } catch {
          resolve([res.statusCode ?? 0, null]);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** Stops cleanly on SIGTERM (Vigil's stop), logging it. */
export function onStop(fn = () => undefined) {
  process.on('SIGTERM', () => {
    log('info', 'stopping (SIGTERM)');
    fn();
    process.exit(0);
  });
}
