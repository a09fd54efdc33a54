/**
 * A minimal HTTP/1.1 GET over a plain TCP socket, for health probes of http:// URLs: about half the CPU
 * of node's http client per request, which matters when 20 services are probed every few seconds. It
 * sends `Connection: close` and finishes on whichever comes first: Content-Length satisfied, the last
 * chunk of a chunked body, or the server closing. The body is capped (the rest is read and dropped).
 */
import net from 'node:net';

export interface RawResponse {
  status: number;
  body: string;
  /** The whole body arrived (as long as Content-Length said, or the last chunk), not just what came before the end or the cap. */
  complete: boolean;
}

const MAX_HEAD = 16 * 1024;

export class RawHttpError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** Resolves with the status and (capped) body; rejects with RawHttpError on a socket error or a malformed answer. */
export function rawGet(
  url: URL,
  maxBody: number,
  headers: Record<string, string>,
): { done: Promise<RawResponse>; abort(): void } {
  const port = url.port === '' ? 80 : Number(url.port);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const sock = net.connect({ host, port });
  const done = new Promise<RawResponse>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (err: Error | null, value?: RawResponse) => {
      if (settled) return;
      settled = true;
      sock.destroy();
      if (err) reject(err);
      else resolve(value!);
    };
    sock.setNoDelay(true);
    sock.on('connect', () => {
      const extra = Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      sock.write(
        `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n${extra}Connection: close\r\n\r\n`,
      );
    });
    sock.on('data', (d: Buffer) => {
      size += d.length;
      if (size <= MAX_HEAD + maxBody + 64) chunks.push(d);
      const r = parse(Buffer.concat(chunks), maxBody, false);
      if (r !== null) finish(null, r);
    });
    sock.on('end', () => {
      const r = parse(Buffer.concat(chunks), maxBody, true);
      if (r !== null) finish(null, r);
      else finish(new RawHttpError(size === 0 ? 'socket hang up' : 'malformed HTTP response', 'ECONNRESET'));
    });
    sock.on('error', (err: NodeJS.ErrnoException) => finish(new RawHttpError(err.message, err.code)));
  });
  return { done, abort: () => sock.destroy() };
}

/**
 * The response once it is complete (or capped at maxBody, or at `ended` whatever arrived); null while more
 * is needed, or at `ended` when not even a status line and headers arrived. Also used by the CLI's
 * one-shot exchange with the agent (agent/api/socket-exchange.ts), with no cap.
 */
export function parse(buf: Buffer, maxBody: number, ended: boolean): RawResponse | null {
  const headEnd = buf.indexOf('\r\n\r\n');
  if (headEnd < 0) return null;
  const head = buf.subarray(0, headEnd).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '');
  if (!m) return null;
  const status = Number(m[1]);
  const fields = new Map<string, string>();
  for (const line of head.slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) fields.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  const rest = buf.subarray(headEnd + 4);
  if (status === 204 || status === 304 || (status >= 100 && status < 200))
    return { status, body: '', complete: true };
  if ((fields.get('transfer-encoding') ?? '').toLowerCase().includes('chunked')) {
    const body = dechunk(rest, maxBody);
    if (body.complete || ended || body.capped) return { status, body: body.text, complete: body.complete };
    return null;
  }
  const length = fields.get('content-length');
  if (length !== undefined && /^\d+$/.test(length)) {
    const n = Number(length);
    if (rest.length >= n || rest.length >= maxBody || ended)
      return {
        status,
        body: rest.subarray(0, Math.min(n, maxBody)).toString('utf8'),
        complete: rest.length >= n,
      };
    return null;
  }
  if (rest.length >= maxBody || ended)
    return { status, body: rest.subarray(0, maxBody).toString('utf8'), complete: ended };
  return null;
}

function dechunk(buf: Buffer, maxBody: number): { text: string; complete: boolean; capped: boolean } {
  const parts: Buffer[] = [];
  let size = 0;
  let at = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) break;
    const n = parseInt(buf.subarray(at, eol).toString('latin1').split(';')[0]!.trim(), 16);
    if (!Number.isFinite(n)) break;
    if (n === 0) return { text: Buffer.concat(parts).toString('utf8'), complete: true, capped: false };
    if (buf.length < eol + 2 + n) break;
    parts.push(buf.subarray(eol + 2, eol + 2 + n));
    size += n;
    if (size >= maxBody)
      return {
        text: Buffer.concat(parts).subarray(0, maxBody).toString('utf8'),
        complete: false,
        capped: true,
      };
    at = eol + 2 + n + 2;
  }
  return { text: Buffer.concat(parts).toString('utf8'), complete: false, capped: false };
}
