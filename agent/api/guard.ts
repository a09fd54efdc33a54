/**
 * Who may talk to the HTTP listener: loopback only, a Host header naming loopback and our port (DNS
 * rebinding), a same-host Origin when a browser sends one, and the bearer token (constant-time compare)
 * or a browser session (agent/api/session.ts).
 * The unix socket needs none of this: its 0600 mode is the guard.
 */
import type { IncomingMessage } from 'node:http';
import { VigilError } from '../core/errors.js';
import { SIGNED_HEADERS, type Principal } from './routes/session.js';
import { same, type Session, type SessionAuthority } from './session.js';

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

function bearer(header: string | undefined): string | null {
  if (header === undefined) return null;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return m === null ? null : m[1]!;
}

export type RequestGuard = (req: IncomingMessage) => VigilError | Access;

/** Who a request is from: the unix socket, the bearer token, or a browser session (cookie + key). */
export interface Access {
  principal: Principal;
  /** The browser session, for signed browser requests. */
  session?: Session;
  /** Signed browser requests: the SHA-256 (hex) the body must have (checked when it is read). */
  bodySha256?: string;
}

/** Unix socket: everything is allowed (the file mode 0600 restricts who can connect). */
export const socketGuard: RequestGuard = () => ({ principal: 'socket' });

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

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD']);

/** A browser session may act only from this agent's own pages (belt and braces over SameSite=Strict). */
function crossSite(req: IncomingMessage): VigilError | null {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return new VigilError('E_FORBIDDEN_HOST', `forbidden: a ${site} request may not use the browser session`);
  }
  if (!SAFE_METHODS.has(req.method ?? 'GET') && req.headers.origin === undefined) {
    return new VigilError(
      'E_FORBIDDEN_HOST',
      'forbidden: a browser session must send an Origin header to change anything',
    );
  }
  return null;
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name.toLowerCase()];
  return typeof v === 'string' ? v : undefined;
};

/**
 * HTTP on loopback: Host, Origin, then the bearer token — or, when `sessions` is given, a signed
 * browser request (SIGNED_HEADERS; agent/api/session.ts). `port` is read per request (known after listen).
 */
export function httpGuard(token: string, port: () => number, sessions?: SessionAuthority): RequestGuard {
  const hostOk = hostGuard(port);
  return (req) => {
    const denied = hostOk(req);
    if (denied !== null) return denied;
    const presented = bearer(req.headers.authorization);
    if (presented !== null) {
      return tokenMatches(presented, token)
        ? { principal: 'bearer' }
        : new VigilError('E_UNAUTHORIZED', 'invalid token');
    }
    const ticket = header(req, SIGNED_HEADERS.session);
    if (sessions === undefined || ticket === undefined) {
      return new VigilError(
        'E_UNAUTHORIZED',
        'missing credentials: send "Authorization: Bearer <token>" (browsers: sign in with "vigil open")',
      );
    }
    const bodySha256 = header(req, SIGNED_HEADERS.body);
    const checked = sessions.verify({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      ticket,
      time: header(req, SIGNED_HEADERS.time),
      nonce: header(req, SIGNED_HEADERS.nonce),
      bodySha256,
      signature: header(req, SIGNED_HEADERS.signature),
    });
    if (!checked.ok) return new VigilError('E_UNAUTHORIZED', checked.reason);
    return crossSite(req) ?? { principal: 'cookie', session: checked.session, bodySha256: bodySha256! };
  };
}
