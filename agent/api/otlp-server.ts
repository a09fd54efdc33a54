/**
 * The OTLP/HTTP listener (docs/otlp.md): POST /v1/metrics and /v1/logs on loopback, protobuf
 * (`application/x-protobuf`) or JSON (`application/json`), identity or gzip, with the agent API's Host and
 * Origin checks (api/guard.ts: DNS rebinding, other sites) and, when configured, a bearer token. Bad input is
 * refused with a clear 4xx before anything is stored: wrong method, path or content type, a body over
 * MAX_BODY_BYTES, a body that does not decode, a metrics request with no usage metric in it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createGunzip } from 'node:zlib';
import type { Logger } from 'pino';
import { VigilError } from '../core/errors.js';
import { hostGuard, tokenMatches } from './guard.js';
import type { LogsRequest, MetricsRequest } from '../core/otlp/wire.js';
import { exportResponse, statusBody, type OtlpDecoder } from '../adapters/otlp/decode.js';

/** The largest request body (after gzip) taken: 8 MiB, far above what an SDK batch of usage weighs. */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** What the use case answers for a request: how much it took, and what it refused (OTLP partial success). */
export interface OtlpAnswer {
  rejected: number;
  message: string | null;
  /** Nothing in the request is usage Vigil knows: refused as a whole (400), nothing stored. */
  refuse?: string;
}

export interface OtlpHandlers {
  metrics(req: MetricsRequest): OtlpAnswer;
  logs(req: LogsRequest): OtlpAnswer;
}

export interface OtlpServerOptions {
  host: string;
  port: number;
  /** Senders must present it as "Authorization: Bearer …"; null: no token asked. */
  token: string | null;
  decoder: OtlpDecoder;
  handlers: OtlpHandlers;
  maxBodyBytes?: number;
  logger?: Logger;
}

export interface OtlpServer {
  address(): { host: string; port: number };
  close(): Promise<void>;
}

class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > max) {
      reject(new HttpRefusal(413, `request body of ${declared} bytes is over the ${max}-byte limit`));
      return;
    }
    const enc = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (enc !== 'identity' && enc !== 'gzip') {
      reject(new HttpRefusal(415, `unsupported Content-Encoding "${enc.slice(0, 40)}" (identity or gzip)`));
      return;
    }
    const source = enc === 'gzip' ? req.pipe(createGunzip()) : req;
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const fail = (err: Error) => {
      if (done) return;
      done = true;
      req.unpipe();
      req.resume(); // drain what is left so the answer can be read
      reject(err);
    };
    source.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) fail(new HttpRefusal(413, `request body is over the ${max}-byte limit`));
      else if (!done) chunks.push(c);
    });
    source.on('error', (err: Error) =>
      fail(enc === 'gzip' ? new HttpRefusal(400, `not valid gzip: ${err.message}`) : err),
    );
    source.on('end', () => {
      if (done) return;
      done = true;
      resolve(Buffer.concat(chunks, size));
    });
  });
}

function contentKind(req: IncomingMessage): 'json' | 'proto' | null {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') return 'json';
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'proto';
  return null;
}

function send(res: ServerResponse, status: number, json: boolean, body: Uint8Array | string): void {
  res.writeHead(status, {
    'content-type': json ? 'application/json' : 'application/x-protobuf',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

export async function startOtlpServer(opts: OtlpServerOptions): Promise<OtlpServer> {
  let port = opts.port;
  const hostOk = hostGuard(() => port);
  const max = opts.maxBodyBytes ?? MAX_BODY_BYTES;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const kind = contentKind(req);
    const json = kind !== 'proto';
    const refuse = (status: number, message: string) => {
      // The rest of the body is read and dropped (not stored), so the sender can read the answer; a body
      // that never ends is cut by requestTimeout.
      req.resume();
      send(res, status, json, statusBody(json, status === 401 ? 16 : status === 403 ? 7 : 3, message));
    };
    const denied = hostOk(req);
    if (denied !== null) return refuse(403, denied.message);
    if (opts.token !== null) {
      const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.authorization ?? '');
      if (m === null || !tokenMatches(m[1]!, opts.token))
        return refuse(401, 'missing or invalid token: send "Authorization: Bearer <the otlp token>"');
    }
    const url = (req.url ?? '/').split('?')[0];
    if (url !== '/v1/metrics' && url !== '/v1/logs')
      return refuse(404, `no such OTLP endpoint "${url!.slice(0, 60)}" (POST /v1/metrics or /v1/logs)`);
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return refuse(405, `${req.method} is not allowed: POST an export request`);
    }
    if (kind === null)
      return refuse(
        415,
        `unsupported Content-Type "${(req.headers['content-type'] ?? '').slice(0, 60)}": send application/x-protobuf or application/json`,
      );
    let body: Buffer;
    try {
      body = await readBody(req, max);
    } catch (err) {
      if (err instanceof HttpRefusal) return refuse(err.status, err.message);
      throw err;
    }
    let answer: OtlpAnswer;
    try {
      answer =
        url === '/v1/metrics'
          ? opts.handlers.metrics(opts.decoder.metrics(body, json))
          : opts.handlers.logs(opts.decoder.logs(body, json));
    } catch (err) {
      if (err instanceof VigilError && err.code === 'E_OTLP_DECODE') return refuse(400, err.message);
      throw err;
    }
    if (answer.refuse !== undefined) return refuse(400, answer.refuse);
    send(
      res,
      200,
      json,
      exportResponse(
        json,
        answer.rejected > 0 || answer.message !== null
          ? { rejected: answer.rejected, message: answer.message ?? '' }
          : null,
      ),
    );
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      opts.logger?.error({ err: (err as Error).message }, 'OTLP request failed');
      if (!res.headersSent) {
        // Transient (the database is busy, the disk full): the sender retries on 503.
        const json = contentKind(req) !== 'proto';
        send(res, 503, json, statusBody(json, 14, `usage could not be stored: ${(err as Error).message}`));
      } else res.destroy();
    });
  });
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new VigilError(
              'E_PORT_IN_USE',
              `cannot listen for OTLP on ${opts.host}:${opts.port}: another process already listens there (an OpenTelemetry collector?); stop it or set another otlp.listen`,
            )
          : new VigilError('E_IO', `cannot listen for OTLP on ${opts.host}:${opts.port}: ${err.message}`),
      ),
    );
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address();
  if (typeof addr === 'object' && addr !== null) port = addr.port;
  opts.logger?.info({ listen: `${opts.host}:${port}` }, 'OTLP listener up');
  let closing: Promise<void> | null = null;
  return {
    address: () => ({ host: opts.host, port }),
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
