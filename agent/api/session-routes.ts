/** The server's own route slice: the session routes (GET /api/session, login codes, sign-out). */
import { VigilError } from '../core/errors.js';
import type { RouteHandlers, SessionRouteName } from './server.js';
import { LOGIN_PATH, type SessionAuthority } from './session.js';

export type SessionEndpoints = Pick<RouteHandlers, SessionRouteName>;

/** `http` is null when the agent serves no HTTP (then there is nothing to sign in to). */
export function sessionEndpoints(
  http: { sessions: SessionAuthority; address: () => { host: string; port: number } } | null,
): SessionEndpoints {
  const uiUrl = (): string | null => {
    if (http === null) return null;
    const { host, port } = http.address();
    return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  };
  return {
    session({ access }) {
      const expires = access.session?.expiresAt;
      return {
        principal: access.principal,
        expiresAt: expires === undefined ? null : new Date(expires).toISOString(),
        uiUrl: uiUrl(),
      };
    },
    loginCode({ access }) {
      if (access.principal === 'cookie') {
        throw new VigilError(
          'E_UNAUTHORIZED',
          'a browser session cannot mint login links; use the CLI (vigil open)',
        );
      }
      const base = uiUrl();
      if (http === null || base === null) {
        throw new VigilError(
          'E_USAGE',
          'this agent serves no web UI: run it with --http 127.0.0.1:PORT (vigil agent run|install --http …)',
        );
      }
      const { code, expiresAt } = http.sessions.mintCode();
      return { url: `${base}${LOGIN_PATH}?code=${code}`, expiresAt: new Date(expiresAt).toISOString() };
    },
    logout({ access }) {
      if (access.session !== undefined && http !== null) http.sessions.revoke(access.session);
      return { ok: true };
    },
  };
}
