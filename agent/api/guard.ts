/**
 * Who may talk to the HTTP listener: loopback only, a Host header naming loopback and our port (DNS
 * rebinding), a same-host Origin when a browser sends one, and the bearer token (constant-time compare).
 * The unix socket needs none of this: its 0600 mode is the guard.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { VigilError } from '../core/errors.js';

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

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** Constant-time token comparison (hashing first makes the lengths equal and hides the length). */
export function tokenMatches(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected)) && expected.length > 0;
}

function bearer(header: string | undefined): string | null {
  if (header === undefined) return null;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return m === null ? null : m[1]!;
}

export type RequestGuard = (req: IncomingMessage) => VigilError | null;

/** Unix socket: everything is allowed (the file mode 0600 restricts who can connect). */
export const socketGuard: RequestGuard = () => null;

/** HTTP on loopback: Host, Origin, then the bearer token. `port` is read per request (known after listen). */
export function httpGuard(token: string, port: () => number): RequestGuard {
  let cachedPort = -1;
  let hosts: ReadonlySet<string> = new Set();
  return (req) => {
    const p = port();
    if (p !== cachedPort) {
      cachedPort = p;
      hosts = allowedHosts(p);
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
    const presented = bearer(req.headers.authorization);
    if (presented === null) {
      return new VigilError('E_UNAUTHORIZED', 'missing credentials: send "Authorization: Bearer <token>"');
    }
    if (!tokenMatches(presented, token)) return new VigilError('E_UNAUTHORIZED', 'invalid token');
    return null;
  };
}
