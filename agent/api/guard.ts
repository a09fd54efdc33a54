/**
 * The loopback checks every HTTP listener of the agent shares: which hosts it may bind, the Host header
 * naming loopback and our port (DNS rebinding), a same-host Origin when a browser sends one, and the
 * constant-time token compare. The API's whole guard per listener (socket, HTTP) is in agent/api/server.ts.
 */
import type { IncomingMessage } from 'node:http';
import { VigilError } from '../core/errors.js';
import { same } from './session.js';

const LOOPBACK_BIND_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** Throws E_USAGE unless host is a loopback address we are willing to bind. */
export function assertLoopbackHost(host: string): string {
  const h = host.trim().toLowerCase();
  if (!LOOPBACK_BIND_HOSTS.has(h)) {
    throw new VigilError(
      'E_USAGE',
      `refusing to serve the agent API on "${host}": only loopback (127.0.0.1, localhost, ::1) is allowed`,
    );
  }
  return h === '[::1]' ? '::1' : h;
}

/** The Host header values a request to our port may carry. */
export function allowedHosts(port: number): ReadonlySet<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
}

/** Constant-time token comparison (see `same`); an empty expected token matches nothing. */
export function tokenMatches(presented: string, expected: string): boolean {
  return same(presented, expected) && expected.length > 0;
}

/** Host and Origin checks of the HTTP listener (DNS rebinding, other sites). `port` is read per request. */
export function hostGuard(port: () => number): (req: IncomingMessage) => VigilError | null {
  let cachedPort = -1;
  let hosts: ReadonlySet<string> = new Set();
  return (req) => {
    const p = port();
    if (p !== cachedPort) {
      cachedPort = p;
      hosts = allowedHosts(p);
    }
    // Node keeps the first of several Host (and Origin) headers: a request that sends two is refused, so
    // no proxy or parser in between can read the other one.
    if (countHeader(req, 'host') > 1 || countHeader(req, 'origin') > 1) {
      return new VigilError('E_FORBIDDEN_HOST', 'forbidden: more than one Host or Origin header');
    }
    const host = req.headers.host?.toLowerCase();
    if (host === undefined || !hosts.has(host)) {
      return new VigilError(
        'E_FORBIDDEN_HOST',
        `forbidden Host header (expected 127.0.0.1:${p} or localhost:${p})`,
      );
    }
    const origin = req.headers.origin;
    if (origin !== undefined) {
      const o = origin.toLowerCase();
      if (!o.startsWith('http://') || !hosts.has(o.slice('http://'.length))) {
        return new VigilError(
          'E_FORBIDDEN_HOST',
          'forbidden Origin: only pages served from this agent may call it',
        );
      }
    }
    return null;
  };
}

function countHeader(req: IncomingMessage, name: string): number {
  let n = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === name) n++;
  return n;
}
