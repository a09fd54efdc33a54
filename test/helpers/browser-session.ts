/** A browser session as a test drives it over plain HTTP: sign in with a login code, then sign requests as the page does. */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { ApiClient } from '../../agent/api/client.js';
import { SESSION_KEY_SEPARATOR } from '../../agent/api/contract.js';
import { sign } from '../../agent/api/session.js';
import { raw, type RawResponse } from './api-fixture.js';

export interface BrowserSession {
  ticket: string;
  key: string;
  /** Everything secret about the session (never to be found in the database or a log). */
  secrets: string[];
}

/** Mints a login code over the socket and follows /login like a browser. */
export async function signIn(socket: ApiClient, port: number): Promise<BrowserSession> {
  const { url } = await socket.call('loginCode', {});
  const u = new URL(url);
  const res = await raw({ port }, { path: u.pathname + u.search, headers: { host: `127.0.0.1:${port}` } });
  assert.equal(res.status, 303, res.text);
  assert.equal(res.headers['set-cookie'], undefined, 'no cookie');
  const m = /#key=([^~]+)~([A-Za-z0-9_-]+)$/.exec(String(res.headers.location));
  assert.ok(m, String(res.headers.location));
  const [, ticket, key] = m as unknown as [string, string, string];
  assert.equal(ticket.split(SESSION_KEY_SEPARATOR).length, 1);
  return { ticket, key, secrets: [key, ticket.split('.')[1]!] };
}

/** The signature headers of one request (what renderer/src/api/signing.ts computes). */
export function signatureHeaders(
  s: BrowserSession,
  method: string,
  path: string,
  body: string | undefined,
  at = Date.now(),
): Record<string, string> {
  const digest = createHash('sha256')
    .update(body ?? '')
    .digest('hex');
  const nonce = randomBytes(18).toString('base64url');
  const time = String(at);
  return {
    'x-vigil-session': s.ticket,
    'x-vigil-time': time,
    'x-vigil-nonce': nonce,
    'x-vigil-body-sha256': digest,
    'x-vigil-signature': sign(s.key, `${method}\n${path}\n${digest}\n${time}\n${nonce}`),
  };
}

/** One API request as the dashboard sends it (signed, with the page's Origin). */
export function signedRequest(
  port: number,
  s: BrowserSession,
  method: string,
  path: string,
  body?: unknown,
): Promise<RawResponse> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  return raw(
    { port },
    {
      method,
      path,
      headers: {
        host: `127.0.0.1:${port}`,
        origin: `http://127.0.0.1:${port}`,
        ...signatureHeaders(s, method, path, text),
        ...(text === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(text === undefined ? {} : { body: text }),
    },
  );
}
