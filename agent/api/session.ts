/**
 * Browser sessions for the agent's loopback UI.
 *
 * `vigil open` asks the agent (over its 0600 unix socket, or with the bearer token) for a one-time login
 * code; GET /login?code=… exchanges it for two halves that are useless apart:
 * - a **ticket** in an HttpOnly, SameSite=Strict cookie (`vigil_session_<port>`), and
 * - a **key** handed to the page in the URL fragment of the redirect (`/#key=…`), which the page keeps
 *   in its origin's localStorage and sends as the `X-Vigil-Key` header.
 * Cookies are not isolated by port, so the browser would also send the ticket to any other server on
 * 127.0.0.1; the key is origin-bound (port included) and never travels in a cookie, so a ticket seen by
 * another local server cannot be replayed. Both are HMACs under a key derived from the agent's bearer
 * token, and a session is also listed in the agent's database (SessionPersistence: the SHA-256 of its
 * id, its expiry, when it was signed out): a signed-out session stays refused after a restart, and
 * replacing the token file ends them all.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { SESSION_KEY_HEADER_NAME } from './routes/session.js';

export const SESSION_KEY_HEADER = SESSION_KEY_HEADER_NAME.toLowerCase();
export const LOGIN_PATH = '/login';
export const LOGIN_CODE_TTL_MS = 60_000;
export const SESSION_TTL_MS = 30 * 24 * 3600_000;
/** Outstanding login codes kept at most (oldest dropped first). */
const MAX_CODES = 32;

export function sessionCookieName(port: number): string {
  return `vigil_session_${port}`;
}

export interface Session {
  nonce: string;
  expiresAt: number;
}

export type SessionCheck = { ok: true; session: Session } | { ok: false; reason: string };

/** A browser session as the store keeps it: under the SHA-256 of its id, never the id or a key. */
export interface StoredSession {
  createdAt: number;
  expiresAt: number;
  /** When it was signed out (kept until it expires), or null. */
  revokedAt: number | null;
}

/** Where the session list lives across agent restarts (the agent's database: state key `ui.sessions`). */
export interface SessionPersistence {
  load(): Record<string, StoredSession> | undefined;
  save(sessions: Record<string, StoredSession>): void;
}

/** In memory only (tests, and an agent without a database). */
export function memorySessions(): SessionPersistence {
  let held: Record<string, StoredSession> | undefined;
  return { load: () => held, save: (s) => (held = { ...s }) };
}

/** Sessions kept at most (the oldest dropped first): a login link minted in a loop cannot grow the store. */
export const MAX_SESSIONS = 64;

/** The name a session is stored under: the SHA-256 of its id (the id alone is not stored). */
export const sessionHandle = (nonce: string): string => digest(`session|${nonce}`).toString('base64url');

const b64 = (buf: Buffer): string => buf.toString('base64url');
const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
/** Constant-time comparison of two strings (hashed first, so lengths are equal and hidden). */
export const same = (a: string, b: string): boolean => timingSafeEqual(digest(a), digest(b));

export class SessionAuthority {
  private readonly secret: Buffer;
  private readonly codes = new Map<string, number>();

  constructor(
    token: string,
    private readonly now: () => number = Date.now,
    private readonly ttlMs = SESSION_TTL_MS,
    private readonly persisted: SessionPersistence = memorySessions(),
  ) {
    this.secret = createHmac('sha256', token).update('vigil-ui-session-v1').digest();
  }

  /** A fresh one-time login code, valid for LOGIN_CODE_TTL_MS. */
  mintCode(): { code: string; expiresAt: number } {
    const now = this.now();
    this.sweep(now);
    while (this.codes.size >= MAX_CODES) this.codes.delete(this.codes.keys().next().value!);
    const code = b64(randomBytes(32));
    const expiresAt = now + LOGIN_CODE_TTL_MS;
    this.codes.set(code, expiresAt);
    return { code, expiresAt };
  }

  /** Consumes a login code: a new session's cookie ticket and page key, or null when the code is bad. */
  redeem(code: string): { ticket: string; key: string; session: Session; maxAgeMs: number } | null {
    const now = this.now();
    this.sweep(now);
    let match: string | null = null;
    for (const c of this.codes.keys()) if (same(code, c)) match = c;
    if (match === null) return null;
    this.codes.delete(match);
    const session: Session = { nonce: b64(randomBytes(18)), expiresAt: now + this.ttlMs };
    const list = this.live(now);
    list[sessionHandle(session.nonce)] = { createdAt: now, expiresAt: session.expiresAt, revokedAt: null };
    const handles = Object.keys(list).sort((a, b) => list[a]!.createdAt - list[b]!.createdAt);
    for (const h of handles.slice(0, Math.max(0, handles.length - MAX_SESSIONS))) delete list[h];
    this.persisted.save(list);
    return {
      ticket: this.ticketFor(session),
      key: this.keyFor(session.nonce),
      session,
      maxAgeMs: this.ttlMs,
    };
  }

  /** Checks a cookie ticket and the page's key header together. */
  check(ticket: string | undefined, key: string | undefined): SessionCheck {
    if (ticket === undefined)
      return { ok: false, reason: 'not signed in: run "vigil open" for a login link' };
    const parts = ticket.split('.');
    if (parts.length !== 3 || !/^\d+$/.test(parts[0]!))
      return { ok: false, reason: 'malformed session cookie' };
    const session: Session = { expiresAt: Number(parts[0]), nonce: parts[1]! };
    if (!same(ticket, this.ticketFor(session))) return { ok: false, reason: 'invalid session cookie' };
    if (session.expiresAt <= this.now())
      return { ok: false, reason: 'session expired: run "vigil open" again' };
    const stored = this.persisted.load()?.[sessionHandle(session.nonce)];
    if (stored === undefined) return { ok: false, reason: 'unknown session: run "vigil open" again' };
    if (stored.revokedAt !== null) return { ok: false, reason: 'signed out: run "vigil open" again' };
    if (key === undefined || !same(key, this.keyFor(session.nonce))) {
      return { ok: false, reason: `missing or wrong session key (the ${SESSION_KEY_HEADER} header)` };
    }
    return { ok: true, session };
  }

  /** Ends a session: it stays in the stored list, signed out, until its natural expiry. */
  revoke(session: Session): void {
    const now = this.now();
    const list = this.live(now);
    const h = sessionHandle(session.nonce);
    list[h] = { createdAt: list[h]?.createdAt ?? now, expiresAt: session.expiresAt, revokedAt: now };
    this.persisted.save(list);
  }

  /** The stored sessions (signed-out ones included) that have not expired, by handle. */
  list(): Record<string, StoredSession> {
    return this.live(this.now());
  }

  private live(now: number): Record<string, StoredSession> {
    const out: Record<string, StoredSession> = {};
    for (const [h, s] of Object.entries(this.persisted.load() ?? {})) if (s.expiresAt > now) out[h] = s;
    return out;
  }

  private ticketFor(s: Session): string {
    return `${s.expiresAt}.${s.nonce}.${this.mac(`ticket|${s.expiresAt}|${s.nonce}`)}`;
  }

  private keyFor(nonce: string): string {
    return this.mac(`key|${nonce}`);
  }

  private mac(text: string): string {
    return b64(createHmac('sha256', this.secret).update(text).digest());
  }

  private sweep(now: number): void {
    for (const [c, exp] of this.codes) if (exp <= now) this.codes.delete(c);
  }
}

/** The value of one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookie(port: number, ticket: string, maxAgeMs: number): string {
  return `${sessionCookieName(port)}=${ticket}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(maxAgeMs / 1000)}`;
}

export function clearSessionCookie(port: number): string {
  return `${sessionCookieName(port)}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;
}
