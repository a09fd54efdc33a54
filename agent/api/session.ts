/**
 * Browser sessions for the agent's loopback UI.
 *
 * `vigil open` asks the agent (over its 0600 unix socket, or with the bearer token) for a one-time login
 * code; GET /login?code=… exchanges it for a session: a public **ticket** and a secret **key**, handed to
 * the page in the URL fragment of the redirect (`/#key=<ticket>~<key>`, never sent to a server again).
 * The page keeps both in its tab's sessionStorage and
 * - before anything else after a load or a failure, sends a random challenge to PROOF_PATH and checks
 *   the answer, HMAC(key, challenge): a server that cannot prove it holds the key gets nothing more;
 * - signs every request: HMAC(key, method, URL, body digest, time, nonce), checked here within ±60 s,
 *   not before this agent started, and with a nonce used once: a captured request cannot be replayed.
 * There is no cookie: nothing the browser sends by itself authorises anything. Ticket and key are HMACs
 * under a secret derived from the agent's bearer token, and a session is also listed in the agent's
 * database (SessionPersistence: the SHA-256 of its id, its expiry, when it was signed out): a signed-out
 * session stays refused after a restart, and replacing the token file ends them all.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { PROOF_LABEL } from './routes/session.js';

export const LOGIN_PATH = '/login';
export const LOGIN_CODE_TTL_MS = 60_000;
export const SESSION_TTL_MS = 30 * 24 * 3600_000;
/** Outstanding login codes kept at most (oldest dropped first). */
const MAX_CODES = 32;

export interface Session {
  nonce: string;
  expiresAt: number;
}

/** How far a signed request's time may be from the agent's clock (and how long nonces are kept). */
export const SIGNATURE_WINDOW_MS = 60_000;
/** Nonces remembered at most: beyond that, signed requests are refused until the window moves on. */
export const MAX_NONCES = 100_000;

/** The parts of a signed browser request the agent checks (headers: SIGNED_HEADERS). */
export interface SignedRequest {
  method: string;
  /** Path and query, exactly as sent. */
  url: string;
  ticket: string | undefined;
  time: string | undefined;
  nonce: string | undefined;
  bodySha256: string | undefined;
  signature: string | undefined;
}

/** HMAC-SHA256 (base64url) under a session key (its UTF-8 text): what the page computes with WebCrypto. */
export const sign = (key: string, text: string): string =>
  createHmac('sha256', Buffer.from(key, 'utf8')).update(text, 'utf8').digest('base64url');

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
  /** Nonces of signed requests seen within the window (by their signed time), at most MAX_NONCES. */
  private readonly nonces = new Map<string, number>();
  private readonly startedAt: number;

  constructor(
    token: string,
    private readonly now: () => number = Date.now,
    private readonly ttlMs = SESSION_TTL_MS,
    private readonly persisted: SessionPersistence = memorySessions(),
  ) {
    this.secret = createHmac('sha256', token).update('vigil-ui-session-v1').digest();
    this.startedAt = now();
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

  /** Checks a ticket: well-formed, ours, not expired, listed and not signed out. */
  private ticket(ticket: string | undefined): SessionCheck {
    if (ticket === undefined)
      return { ok: false, reason: 'not signed in: run "vigil open" for a login link' };
    const parts = ticket.split('.');
    if (parts.length !== 3 || !/^\d+$/.test(parts[0]!)) return { ok: false, reason: 'malformed session' };
    const session: Session = { expiresAt: Number(parts[0]), nonce: parts[1]! };
    if (!same(ticket, this.ticketFor(session))) return { ok: false, reason: 'invalid session' };
    if (session.expiresAt <= this.now())
      return { ok: false, reason: 'session expired: run "vigil open" again' };
    const stored = this.persisted.load()?.[sessionHandle(session.nonce)];
    if (stored === undefined) return { ok: false, reason: 'unknown session: run "vigil open" again' };
    if (stored.revokedAt !== null) return { ok: false, reason: 'signed out: run "vigil open" again' };
    return { ok: true, session };
  }

  /**
   * The answer to the page's challenge: HMAC(key, PROOF_LABEL + challenge). Only a server holding the
   * session key can give it, so the page sends nothing else before it has checked it.
   */
  prove(
    ticket: string | undefined,
    challenge: string,
  ): { ok: true; proof: string } | { ok: false; reason: string } {
    const t = this.ticket(ticket);
    if (!t.ok) return t;
    // `<time ms>.<random>`: fresh, made for this agent, answered once (a recorded one replayed gets nothing).
    const m = /^(\d{1,15})\.([A-Za-z0-9_-]{22,128})$/.exec(challenge);
    if (m === null) return { ok: false, reason: 'malformed challenge (want <time ms>.<random>)' };
    const fresh = this.fresh(Number(m[1]), `proof:${m[2]}`);
    if (fresh !== null) return { ok: false, reason: fresh };
    return { ok: true, proof: sign(this.keyFor(t.session.nonce), `${PROOF_LABEL}${challenge}`) };
  }

  /**
   * Checks a signed request (SIGNED_HEADERS): the ticket, the time within ±SIGNATURE_WINDOW_MS and not
   * before this agent started (a request signed for an earlier agent, or captured while it was down,
   * is refused), a nonce not seen before, and the signature over method, URL, body digest, time, nonce.
   */
  verify(req: SignedRequest): SessionCheck {
    const t = this.ticket(req.ticket);
    if (!t.ok) return t;
    const at = /^\d{1,15}$/.test(req.time ?? '') ? Number(req.time) : NaN;
    if (req.nonce === undefined || !/^[A-Za-z0-9_-]{16,64}$/.test(req.nonce))
      return { ok: false, reason: 'missing or malformed request nonce' };
    if (req.bodySha256 === undefined || !/^[0-9a-f]{64}$/.test(req.bodySha256))
      return { ok: false, reason: 'missing or malformed body digest' };
    const text = `${req.method}\n${req.url}\n${req.bodySha256}\n${req.time}\n${req.nonce}`;
    if (req.signature === undefined || !same(req.signature, sign(this.keyFor(t.session.nonce), text)))
      return { ok: false, reason: 'missing or wrong request signature' };
    const fresh = this.fresh(at, `req:${req.nonce}`);
    return fresh === null ? t : { ok: false, reason: fresh };
  }

  /**
   * Null when a signed time and nonce may be accepted (and then remembers the nonce): within the window,
   * not before this agent started, never seen. Else why not.
   */
  private fresh(at: number, nonce: string): string | null {
    const now = this.now();
    if (!Number.isFinite(at) || Math.abs(now - at) > SIGNATURE_WINDOW_MS)
      return 'signed request outside the time window (±60 s): check the clock';
    if (at < this.startedAt) return 'request signed before this agent started';
    this.sweepNonces(now);
    if (this.nonces.has(nonce)) return 'replayed request (nonce already used)';
    if (this.nonces.size >= MAX_NONCES)
      return 'too many signed requests in the last minute; try again shortly';
    this.nonces.set(nonce, at);
    return null;
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

  private sweepNonces(now: number): void {
    // Insertion order is close to time order; a late one is dropped at the next sweep after it expires.
    for (const [n, at] of this.nonces) {
      if (at >= now - SIGNATURE_WINDOW_MS) break;
      this.nonces.delete(n);
    }
  }

  private sweep(now: number): void {
    for (const [c, exp] of this.codes) if (exp <= now) this.codes.delete(c);
  }
}
