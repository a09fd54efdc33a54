/** A browser session as a test drives it over plain HTTP: sign in with a login code, then call the API as the page does. */
import assert from 'node:assert/strict';
import type { ApiClient } from '../../agent/api/client.js';
import { raw, type RawResponse } from './api-fixture.js';

export interface BrowserSession {
  cookie: string;
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
  const cookie = String(res.headers['set-cookie']).split(';')[0]!;
  const key = /#key=([A-Za-z0-9_-]+)/.exec(String(res.headers.location))?.[1];
  assert.ok(key, String(res.headers.location));
  const ticket = cookie.slice(cookie.indexOf('=') + 1);
  return { cookie, key, secrets: [key, ticket, ticket.split('.')[1]!] };
}

/** One API request as the dashboard sends it. */
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
        cookie: s.cookie,
        'x-vigil-key': s.key,
        ...(text === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(text === undefined ? {} : { body: text }),
    },
  );
}
