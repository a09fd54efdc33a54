/**
 * The loopback HTTP listener's web side: the built UI (renderer/dist) as static files, the one-time
 * login exchange (GET /login?code=…), the session proof (GET /api/session/proof?challenge=…: answered
 * before the guard, it needs only the ticket) and the security headers every HTTP response carries.
 *
 * The UI uses hash routing, so only `/`, `/index.html`, `/login`, `/assets/…` and the files at the top
 * of the build directory are served here; every other path goes on to the API's route table. Static
 * files need no session (they hold no data); every /api route does.
 */
import { lstat, readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { VigilError } from '../core/errors.js';
import { PROOF_PATH, SESSION_KEY_FRAGMENT, SESSION_KEY_SEPARATOR, SIGNED_HEADERS } from './routes/session.js';
import { LOGIN_PATH, type SessionAuthority } from './session.js';

/** No inline script or style, nothing from another origin, no framing. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Sent with every response of the HTTP listener (the API's JSON included). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=(), payment=()',
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export interface UiServerOptions {
  /** The built UI (renderer/dist), or null when there is none. */
  dir: string | null;
  sessions: SessionAuthority;
  /** The listener's port (known after listen). */
  port: () => number;
  /** Host/Origin check shared with the API (guard.ts hostGuard). */
  hostCheck: (req: IncomingMessage) => VigilError | null;
}

export interface UiServer {
  /** Is this request for the web side (rather than the API)? */
  handles(method: string, pathname: string): boolean;
  serve(req: IncomingMessage, res: ServerResponse, pathname: string, search: string): Promise<void>;
}

function page(res: ServerResponse, status: number, title: string, text: string): void {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><p>${text}</p></body></html>`;
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
    'Cache-Control': 'no-store',
  });
  res.end(html);
}

/** The file a URL path names inside `dir`, or null when it is not a plain path below it. */
export function resolveStatic(dir: string, pathname: string): string | null {
  let rel: string;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (rel === '/' || rel === '') rel = '/index.html';
  if (
    rel.includes('\0') ||
    rel.includes('\\') ||
    rel.split('/').some((seg) => seg === '..' || (seg.startsWith('.') && seg !== ''))
  ) {
    return null;
  }
  const file = path.resolve(dir, `.${rel}`);
  return file.startsWith(dir + path.sep) ? file : null;
}

export function createUiServer(opts: UiServerOptions): UiServer {
  const dir = opts.dir === null ? null : path.resolve(opts.dir);

  async function login(req: IncomingMessage, res: ServerResponse, search: string): Promise<void> {
    const code = new URLSearchParams(search).get('code');
    const redeemed = code === null || code === '' ? null : opts.sessions.redeem(code);
    if (redeemed === null) {
      page(
        res,
        401,
        'Vigil: login link not valid',
        'This login link is invalid, already used or expired (links work once, within a minute). Run <code>vigil open</code> for a new one.',
      );
      return;
    }
    res.writeHead(303, {
      Location: `/#${SESSION_KEY_FRAGMENT}=${redeemed.ticket}${SESSION_KEY_SEPARATOR}${redeemed.key}`,
      'Cache-Control': 'no-store',
      'Content-Length': 0,
    });
    res.end();
  }

  async function file(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (dir === null) {
      page(
        res,
        503,
        'Vigil: the UI is not built',
        'This agent has no built UI. Build it with <code>npm run build</code> in the Vigil checkout, then restart the agent.',
      );
      return;
    }
    const target = resolveStatic(dir, pathname);
    if (target === null) throw new VigilError('E_NOT_FOUND', `no such file: ${pathname}`);
    let body: Buffer;
    try {
      const st = await lstat(target);
      if (!st.isFile()) throw new VigilError('E_NOT_FOUND', `no such file: ${pathname}`);
      body = await readFile(target);
    } catch (err) {
      if (err instanceof VigilError) throw err;
      if (target.endsWith(`${path.sep}index.html`)) {
        page(
          res,
          503,
          'Vigil: the UI is not built',
          'This agent has no built UI. Build it with <code>npm run build</code> in the Vigil checkout.',
        );
        return;
      }
      throw new VigilError('E_NOT_FOUND', `no such file: ${pathname}`);
    }
    const hashed = pathname.startsWith('/assets/');
    res.writeHead(200, {
      'Content-Type': CONTENT_TYPES[path.extname(target).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': body.length,
      'Cache-Control': hashed ? 'public, max-age=31536000, immutable' : 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  /** GET PROOF_PATH?challenge=…: the page checks the answer before it sends anything else. */
  function proof(req: IncomingMessage, res: ServerResponse, search: string): void {
    const challenge = new URLSearchParams(search).get('challenge') ?? '';
    const ticket = req.headers[SIGNED_HEADERS.session.toLowerCase()];
    const out = opts.sessions.prove(typeof ticket === 'string' ? ticket : undefined, challenge);
    if (!out.ok) throw new VigilError('E_UNAUTHORIZED', out.reason);
    const text = JSON.stringify({ proof: out.proof });
    res.writeHead(200, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
      'Cache-Control': 'no-store',
    });
    res.end(text);
  }

  return {
    handles(method, pathname) {
      if (method !== 'GET' && method !== 'HEAD') return false;
      if (pathname === '/' || pathname === LOGIN_PATH || pathname === PROOF_PATH) return true;
      if (pathname.startsWith('/assets/')) return true;
      // Other top-level files (favicon, manifest): one segment with an extension, never /api or /metrics.
      return /^\/[A-Za-z0-9][A-Za-z0-9._-]*\.[A-Za-z0-9]+$/.test(pathname);
    },
    async serve(req, res, pathname, search) {
      const denied = opts.hostCheck(req);
      if (denied !== null) throw denied;
      if (pathname === LOGIN_PATH) await login(req, res, search);
      else if (pathname === PROOF_PATH) proof(req, res, search);
      else await file(req, res, pathname);
    },
  };
}
