/** Writing the API's responses: JSON, text, a long JSON list in chunks; the error with an HTTP status of its own. */
import type { ServerResponse } from 'node:http';
import { VigilError, type ErrorCode } from '../core/errors.js';

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
