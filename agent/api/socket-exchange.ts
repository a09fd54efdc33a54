/**
 * One HTTP/1.1 request and its whole response over the agent's Unix socket, on `net` alone. The CLI makes
 * one such call per command; Node's http client costs about 13 ms more per process (loading it and its
 * parser), which is a third of what `vigil status` adds to Node's start-up. The agent is a Node http server
 * we wrote: answers have a Content-Length or are chunked, and the connection closes after one exchange.
 * Streams (SSE) and TCP keep using node:http (client.ts).
 */
import { connect } from 'node:net';
import { parse } from '../adapters/http/raw-get.js';

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
export function socketExchange(
  req: SocketRequest,
  onError: (err: Error) => void,
  onDone: (res: SocketResponse) => void,
): { cancel(): void } {
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
  const r = parse(raw, Infinity, true);
  if (r === null) {
    const first = raw.subarray(0, Math.max(0, raw.indexOf('\r\n'))).toString('latin1');
    throw new MalformedResponse(
      raw.includes('\r\n\r\n')
        ? `not an HTTP response: ${JSON.stringify(first.slice(0, 40))}`
        : 'the connection closed before the response headers ended',
    );
  }
  if (!r.complete)
    throw new MalformedResponse(`the response body was cut short after ${Buffer.byteLength(r.body)} bytes`);
  return { status: r.status, text: r.body };
}
