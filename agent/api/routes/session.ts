/**
 * Session routes of the loopback UI: who is calling, one-time login codes (for `vigil open` and the
 * desktop app) and signing out. Served by the API server itself (agent/api/session.ts), not the daemon.
 */
import type { NoParams, NoQuery, RouteSpec } from '../route-spec.js';

/** How a request was authenticated: the unix socket, the bearer token, or a browser session. */
export type Principal = 'socket' | 'bearer' | 'cookie';

export interface SessionDoc {
  principal: Principal;
  /** ISO time the browser session ends (cookie sessions only). */
  expiresAt: string | null;
  /** The agent's loopback UI, when it serves HTTP. */
  uiUrl: string | null;
}

export interface LoginCodeDoc {
  /** Open this once, within the minute, to sign a browser in. */
  url: string;
  expiresAt: string;
}

export interface LogoutDoc {
  ok: true;
}

/**
 * The headers of a signed browser request (agent/api/session.ts): the session's public ticket, the
 * time (ms) and a random nonce, the SHA-256 (hex) of the body, and the HMAC-SHA256 of
 * `METHOD\nPATH?QUERY\nBODY-SHA256\nTIME\nNONCE` under the session key (base64url).
 */
export const SIGNED_HEADERS = {
  session: 'X-Vigil-Session',
  time: 'X-Vigil-Time',
  nonce: 'X-Vigil-Nonce',
  body: 'X-Vigil-Body-Sha256',
  signature: 'X-Vigil-Signature',
} as const;
/** Where the page asks the server to prove it holds the session key: GET PROOF_PATH?challenge=… */
export const PROOF_PATH = '/api/session/proof';
/** What the proof is the HMAC of (under the session key): this prefix, then the challenge. */
export const PROOF_LABEL = 'vigil-proof\n';
/** Between the ticket and the key in the login fragment (`#key=<ticket>~<key>`). */
export const SESSION_KEY_SEPARATOR = '~';
/** The URL fragment parameter the login redirect hands the key to the page in. */
export const SESSION_KEY_FRAGMENT = 'key';

export const SESSION_ROUTES = {
  session: { method: 'GET', path: '/api/session' },
  loginCode: { method: 'POST', path: '/api/session/login-code' },
  logout: { method: 'POST', path: '/api/session/logout' },
} as const satisfies Record<string, RouteSpec>;

export interface SessionRouteTypes {
  session: { params: NoParams; query: NoQuery; body: undefined; response: SessionDoc };
  loginCode: { params: NoParams; query: NoQuery; body: undefined; response: LoginCodeDoc };
  logout: { params: NoParams; query: NoQuery; body: undefined; response: LogoutDoc };
}
