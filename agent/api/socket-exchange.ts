/**
 * One HTTP/1.1 request and its whole response over the agent's Unix socket, on `net` alone. The CLI makes
 * one such call per command; Node's http client costs about 13 ms more per process (loading it and its
 * parser), which is a third of what `vigil status` adds to Node's start-up. The agent is a Node http server
 * we wrote: answers have a Content-Length or are chunked, and the connection closes after one exchange.
 * Streams (SSE) and TCP keep using node:http (client.ts).
 */
import { connect } from 'node:net';

export interface SocketRequest {
  socketPath: string;
  method: string;
  path: string;
  headers: Readonly<Record<string, string>>;
  body: Buffer | null;
}

export interface SocketResponse {
  status: number;
  text: string;
}

/** A response that is not well-formed HTTP (the peer is not the agent, or the connection broke). */
export class MalformedResponse extends Error {}

/** Sends the request; resolves with the response when the agent closes the connection. `cancel` aborts. */
export function socketExchange(req: SocketRequest, onError: (err: Error) => void, onDone: (res: SocketResponse) => void): { cancel(): void } {
  const head = [`${req.method} ${req.path} HTTP/1.1`, 'host: localhost', 'connection: close'];
  for (const [k, v] of Object.entries(req.headers)) head.push(`${k}: ${v}`);
  if (req.body) head.push('content-type: application/json', `content-length: ${req.body.length}`);
  const sock = connect(req.socketPath);
  const chunks: Buffer[] = [];
  let settled = false;
  const settle = (fn: () => void): void => {
    if (settled) return;
    settled = true;
    fn();
  };
  sock.on('data', (c: Buffer) => chunks.push(c));
  sock.on('error', (err) => settle(() => onError(err)));
  sock.on('end', () => {
    settle(() => {
      try {
        onDone(parseHttpResponse(Buffer.concat(chunks)));
      } catch (err) {
        onError(err as Error);
      }
    });
    sock.end();
  });
  sock.write(`${head.join('\r\n')}\r\n\r\n`);
  if (req.body) sock.write(req.body);
  return { cancel: () => settle(() => sock.destroy()) };
}

/** Status and body of a whole HTTP/1.1 response (Content-Length, chunked, or up to the end). */
export function parseHttpResponse(raw: Buffer): SocketResponse {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) throw new MalformedResponse('the connection closed before the response headers ended');
  const lines = raw.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  if (!m) throw new MalformedResponse(`not an HTTP response: ${JSON.stringify((lines[0] ?? '').slice(0, 40))}`);
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  let body = raw.subarray(end + 4);
  if (/\bchunked\b/i.test(headers.get('transfer-encoding') ?? '')) body = dechunk(body);
  else if (headers.has('content-length')) {
    const n = Number(headers.get('content-length'));
    if (!Number.isInteger(n) || n < 0 || body.length < n) throw new MalformedResponse(`the response body ended after ${body.length} of ${headers.get('content-length')} bytes`);
    body = body.subarray(0, n);
  }
  return { status: Number(m[1]), text: body.toString('utf8') };
}

function dechunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = data.indexOf('\r\n', at);
    if (eol < 0) throw new MalformedResponse('the chunked response body was cut short');
    const size = Number.parseInt(data.subarray(at, eol).toString('latin1').split(';')[0]!, 16);
    if (!Number.isFinite(size) || size < 0) throw new MalformedResponse('bad chunk size in the response');
    if (size === 0) return Buffer.concat(parts);
    const start = eol + 2;
    if (data.length < start + size + 2) throw new MalformedResponse('the chunked response body was cut short');
    parts.push(data.subarray(start, start + size));
    at = start + size + 2;
  }
}
