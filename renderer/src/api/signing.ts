/**
 * The page's half of a browser session (agent/api/session.ts): the ticket and key the login redirect
 * handed over, kept in this tab only. The key never leaves the page: the page asks a server to prove it
 * holds it (an HMAC of a fresh random challenge) before each request, and signs each request with it
 * (method, URL, body digest, time, nonce), so a server squatting the agent's port while it is down
 * learns nothing it could replay. WebCrypto only (the page on http://127.0.0.1 is a secure context).
 */
import {
  PROOF_LABEL,
  PROOF_PATH,
  SESSION_KEY_SEPARATOR,
  SIGNED_HEADERS,
} from '../../../agent/api/contract.js';

export interface SessionSecret {
  ticket: string;
  key: string;
}

/** `<ticket>~<key>` as stored (see session-key.ts), or null when it is not one. */
export function parseSessionSecret(stored: string | null): SessionSecret | null {
  if (stored === null) return null;
  const at = stored.lastIndexOf(SESSION_KEY_SEPARATOR);
  if (at <= 0) return null;
  const ticket = stored.slice(0, at);
  const key = stored.slice(at + 1);
  return /^\d+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(ticket) && /^[A-Za-z0-9_-]{16,}$/.test(key)
    ? { ticket, key }
    : null;
}

const enc = new TextEncoder();

function b64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomId(bytes = 24): string {
  return b64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

async function hmac(key: string, text: string): Promise<string> {
  const k = await crypto.subtle.importKey('raw', enc.encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  return b64url(new Uint8Array(await crypto.subtle.sign('HMAC', k, enc.encode(text))));
}

async function sha256Hex(text: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', enc.encode(text)));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Path and query as the server will see them (the URL parser's encoding, as fetch sends it). */
export function requestTarget(path: string): string {
  const u = new URL(path, 'http://127.0.0.1');
  return `${u.pathname}${u.search}`;
}

/** The signature headers of one request (SIGNED_HEADERS). */
export async function signRequest(
  s: SessionSecret,
  method: string,
  path: string,
  body: string | undefined,
  now: number = Date.now(),
): Promise<Record<string, string>> {
  const time = String(Math.round(now));
  const nonce = randomId();
  const digest = await sha256Hex(body ?? '');
  const text = `${method}\n${requestTarget(path)}\n${digest}\n${time}\n${nonce}`;
  return {
    [SIGNED_HEADERS.session]: s.ticket,
    [SIGNED_HEADERS.time]: time,
    [SIGNED_HEADERS.nonce]: nonce,
    [SIGNED_HEADERS.body]: digest,
    [SIGNED_HEADERS.signature]: await hmac(s.key, text),
  };
}

export type ProofResult = { ok: true } | { ok: false; status: number; response: Response | null };

/**
 * Asks the server on `base` to prove it holds the session key; true only for the right answer to a
 * challenge made up here. Nothing but the (public) ticket and the challenge is sent.
 */
export async function proveServer(
  fetchFn: (input: string, init?: RequestInit) => Promise<Response>,
  base: string,
  s: SessionSecret,
  signal?: AbortSignal,
): Promise<ProofResult> {
  const challenge = `${Date.now()}.${randomId()}`;
  const res = await fetchFn(`${base}${PROOF_PATH}?challenge=${challenge}`, {
    method: 'GET',
    headers: { accept: 'application/json', [SIGNED_HEADERS.session]: s.ticket },
    credentials: 'omit',
    ...(signal ? { signal } : {}),
  });
  if (!res.ok) return { ok: false, status: res.status, response: res };
  let proof: unknown;
  try {
    proof = ((await res.json()) as { proof?: unknown }).proof;
  } catch {
    proof = undefined;
  }
  const expected = await hmac(s.key, `${PROOF_LABEL}${challenge}`);
  return proof === expected ? { ok: true } : { ok: false, status: res.status, response: null };
}
