/** Reading a request's JSON body and writing responses (JSON, text, a long JSON list in chunks). */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { VigilError, type ErrorCode } from '../core/errors.js';
import { decodeJsonBody } from './routes/body-parse.js';

/** An error with an HTTP status that is not the code's usual one (405, 413, 415). */
export class HttpError extends VigilError {
  constructor(
    readonly status: number,
    code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(code, message);
  }
}

/** A text response (GET /metrics). */
export function sendText(res: ServerResponse, contentType: string, text: string): void {
  res.writeHead(200, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(text);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(text);
}

/**
 * Characters written at a time. Below V8's large-object size (128 KiB), so each written string is young
 * garbage, collected within milliseconds; larger ones would pile up until a major collection (a 10,000
 * event reply made the agent's RSS jump by 40 MB that way).
 */
const WRITE_CHARS = 64 * 1024;

/**
 * `{"<key>":[…]}` with status 200, chunked: the items (in pages, each read only when the socket has
 * taken the previous one) are serialized and written about WRITE_CHARS at a time, so a large reply
 * never exists whole.
 */
export async function sendJsonList(
  res: ServerResponse,
  key: string,
  pages: Iterable<readonly unknown[]>,
): Promise<void> {
  res.writeHead(200, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  let ok = res.write(`{${JSON.stringify(key)}:[`);
  let chunk = '';
  let first = true;
  for (const items of pages) {
    for (const item of items) {
      chunk += (first ? '' : ',') + JSON.stringify(item);
      first = false;
      if (chunk.length < WRITE_CHARS) continue;
      if (!ok) await drained(res);
      if (res.destroyed) return;
      ok = res.write(chunk);
      chunk = '';
    }
  }
  if (!ok) await drained(res);
  res.end(`${chunk}]}`);
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** Reads a POST body: JSON only, at most `limit` bytes. Returns undefined when there is none. */
export async function readJsonBody(req: IncomingMessage, limit: number, sha256?: string): Promise<unknown> {
  const tooLarge = (): HttpError =>
    new HttpError(413, 'E_USAGE', `request body larger than ${limit} bytes`, { Connection: 'close' });
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  // Read by hand: destroying the request (as a broken for-await would) would also kill the 413 response.
  await new Promise<void>((resolve, reject) => {
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(tooLarge());
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve());
    req.on('error', reject);
  });
  const bytes = Buffer.concat(chunks);
  // A signed browser request signed its body's digest: a body swapped in transit is refused.
  if (sha256 !== undefined && createHash('sha256').update(bytes).digest('hex') !== sha256) {
    throw new HttpError(401, 'E_UNAUTHORIZED', 'the body does not match its signed digest');
  }
  if (size === 0) return undefined;
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new HttpError(415, 'E_USAGE', 'request body must be JSON (Content-Type: application/json)');
  }
  return decodeJsonBody(bytes);
}
