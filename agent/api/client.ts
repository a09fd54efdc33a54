/**
 * The agent API client (the CLI's and the app's). A request on the unix socket is one exchange on `net`
 * alone (socket-exchange.ts); node:http is loaded, on first use, only for loopback TCP and for streams
 * (SSE). Imports the contract and types otherwise, so the CLI starts fast.
 */
import type { IncomingMessage, RequestOptions } from 'node:http';
import { MalformedResponse, socketExchange, type SocketResponse } from './socket-exchange.js';
import type { StatusDoc } from '../core/status.js';
import type { VigilEvent } from '../core/events.js';
import type { EventQuery } from '../ports/store.js';
import { VigilError } from '../core/errors.js';
import {
  ROUTES,
  SSE_CONTENT_TYPE,
  SSE_EVENT_NAME,
  SseParser,
  LOG_SSE_EVENT,
  LOG_SSE_ERROR_EVENT,
  buildPath,
  isErrorCode,
  isErrorBody,
  type ActionResult,
  type ActionVerb,
  type EventsResponse,
  type HealthDoc,
  type LogStreamMessage,
  type LogTailQuery,
  type RouteName,
  type RouteParams,
  type RouteQuery,
  type RouteBody,
  type RouteResponse,
} from './contract.js';

export const DEFAULT_CLIENT_TIMEOUT_MS = 10_000;

export type ApiClientOptions = ({ socketPath: string } | { baseUrl: string; token: string }) & {
  /** For every call but streamEvents (whose timeout covers only the wait for the response headers). */
  timeoutMs?: number;
};

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET', 'EPIPE', 'ENOTSOCK']);

export class ApiClient {
  private readonly base: RequestOptions;
  private readonly prefix: string;
  private readonly target: string;
  private readonly timeoutMs: number;
  private readonly socketPath: string | null = null;

  constructor(opts: ApiClientOptions) {
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_CLIENT_TIMEOUT_MS;
    if ('socketPath' in opts) {
      this.socketPath = opts.socketPath;
      this.base = { socketPath: opts.socketPath, headers: { host: 'localhost' }, agent: false };
      this.prefix = '';
      this.target = opts.socketPath;
      return;
    }
    let url: URL;
    try {
      url = new URL(opts.baseUrl);
    } catch {
      throw new VigilError('E_USAGE', `invalid agent URL: ${opts.baseUrl}`);
    }
    if (url.protocol !== 'http:')
      throw new VigilError('E_USAGE', `agent URL must be http://, got ${opts.baseUrl}`);
    this.base = {
      hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port === '' ? 80 : Number(url.port),
      headers: { authorization: `Bearer ${opts.token}` },
      agent: false,
    };
    this.prefix = url.pathname.replace(/\/+$/, '');
    this.target = url.host;
  }

  health(): Promise<HealthDoc> {
    return this.call('health', {});
  }

  status(): Promise<StatusDoc> {
    return this.call('status', {});
  }

  /** `timeoutMs` overrides the client's timeout for this call (a stop may take the service's stopTimeoutSec). */
  async action(name: string, verb: ActionVerb, opts: { timeoutMs?: number } = {}): Promise<ActionResult> {
    const { status, text } = await this.exchange(
      ROUTES.action.method,
      buildPath('action', { name, verb }),
      undefined,
      opts.timeoutMs,
    );
    return parseResponse(status, text) as ActionResult;
  }

  /** Tells the agent that `vigil apply` saved settings; resolves once it ticked with them. */
  reload(): Promise<{ ok: true }> {
    return this.call('reload', {});
  }

  events(q: EventQuery = {}): Promise<EventsResponse> {
    return this.call('events', {}, q);
  }

  /** Any route of the contract, typed by it. */
  async call<K extends RouteName>(
    route: K,
    params: RouteParams<K>,
    query?: RouteQuery<K>,
    body?: RouteBody<K>,
  ): Promise<RouteResponse<K>> {
    const { status, text } = await this.exchange(ROUTES[route].method, buildPath(route, params, query), body);
    return parseResponse(status, text) as RouteResponse<K>;
  }

  /**
   * Streams events (history after q.afterId / since first, then live) until the server ends the stream
   * (resolves), the signal aborts (resolves), the connection breaks or onEvent throws (rejects).
   */
  streamEvents(q: EventQuery, onEvent: (e: VigilEvent) => void, signal?: AbortSignal): Promise<void> {
    return this.stream(buildPath('events', {}, q), SSE_EVENT_NAME, 'event', signal, (data, id) => {
      let e: VigilEvent;
      try {
        e = JSON.parse(data) as VigilEvent;
      } catch {
        throw new VigilError('E_API', `malformed event from the agent (id ${id ?? '?'})`);
      }
      onEvent(e);
    });
  }

  /**
   * Follows a service's log (GET /api/logs/:name/follow): first the last q.lines lines, then new ones, until
   * the signal aborts (resolves), the server ends the stream (resolves) or the connection breaks (rejects).
   */
  streamLogs(
    name: string,
    q: LogTailQuery,
    onLines: (lines: string[]) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    return this.stream(
      buildPath('logFollow', { name }, q),
      LOG_SSE_EVENT,
      'log',
      signal,
      (data) => onLines((JSON.parse(data) as LogStreamMessage).lines),
      LOG_SSE_ERROR_EVENT,
    );
  }

  /** One SSE stream: `onData` gets the data of each message named `eventName` (a throw ends the stream). */
  /** `errorEvent`: a message by that name ends the stream with the server's error ({code, message}). */
  private async stream(
    path: string,
    eventName: string,
    what: string,
    signal: AbortSignal | undefined,
    onData: (data: string, id: string | null) => void,
    errorEvent?: string,
  ): Promise<void> {
    if (signal?.aborted) return;
    const res = await this.openStream(path, signal);
    if (res === null) return;
    if (res.statusCode !== 200) parseResponse(res.statusCode ?? 0, await readAll(res).catch(() => ''));
    if (!(res.headers['content-type'] ?? '').startsWith(SSE_CONTENT_TYPE)) {
      res.destroy();
      throw new VigilError('E_API', 'the agent did not answer with an event stream');
    }
    await new Promise<void>((resolve, reject) => {
      const parser = new SseParser();
      let settled = false;
      const settle = (err?: unknown): void => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        res.destroy();
        if (err === undefined) resolve();
        else reject(err instanceof Error ? err : new Error(String(err)));
      };
      const onAbort = (): void => settle();
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) settle();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        try {
          for (const msg of parser.push(chunk)) {
            if (settled) return;
            if (msg.kind === 'event' && msg.event === eventName) onData(msg.data, msg.id);
            else if (msg.kind === 'event' && errorEvent !== undefined && msg.event === errorEvent)
              throw streamError(msg.data);
          }
        } catch (err) {
          settle(err);
        }
      });
      res.on('end', () => settle());
      res.on('error', (err) => settle(this.translate(err)));
      res.on('close', () => {
        if (!res.complete)
          settle(new VigilError('E_AGENT_UNREACHABLE', `lost the ${what} stream from ${this.target}`));
        else settle();
      });
    });
  }

  private options(method: string, path: string, accept: string): RequestOptions {
    return { ...this.base, method, path: this.prefix + path, headers: { ...this.base.headers, accept } };
  }

  private timeoutError(ms = this.timeoutMs): VigilError {
    return new VigilError(
      'E_AGENT_UNREACHABLE',
      `the agent at ${this.target} did not answer within ${ms} ms`,
    );
  }

  /** One whole request/response, bounded by the timeout: on the socket without node:http (socket-exchange.ts). */
  private async exchange(
    method: string,
    path: string,
    body?: unknown,
    timeoutMs = this.timeoutMs,
  ): Promise<SocketResponse> {
    const payload = body === undefined ? null : Buffer.from(JSON.stringify(body));
    const { request } = this.socketPath === null ? await import('node:http') : { request: null };
    return new Promise((resolve, reject) => {
      let done = false;
      const finish = (err: VigilError | null, value?: SocketResponse): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (err !== null) reject(err);
        else resolve(value!);
      };
      const timer = setTimeout(() => {
        finish(this.timeoutError(timeoutMs));
        cancel();
      }, timeoutMs);
      let cancel: () => void;
      if (request === null) {
        const call = socketExchange(
          {
            socketPath: this.socketPath!,
            method,
            path,
            headers: { accept: 'application/json' },
            body: payload,
          },
          (err) => finish(this.translate(err)),
          (res) => finish(null, res),
        );
        cancel = call.cancel;
        return;
      }
      const req = request(this.options(method, path, 'application/json'), (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          finish(null, { status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', (err) => finish(this.translate(err)));
        res.on('close', () => {
          if (!res.complete)
            finish(new VigilError('E_AGENT_UNREACHABLE', `lost the connection to ${this.target}`));
        });
      });
      cancel = () => req.destroy();
      req.on('error', (err) => finish(this.translate(err)));
      if (payload) {
        req.setHeader('content-type', 'application/json');
        req.setHeader('content-length', payload.length);
      }
      req.end(payload ?? undefined);
    });
  }

  /** Opens an event stream: resolves with the response (headers bounded by the timeout), or null if aborted. */
  private async openStream(path: string, signal: AbortSignal | undefined): Promise<IncomingMessage | null> {
    const { request } = await import('node:http');
    return new Promise((resolve, reject) => {
      let done = false;
      const finish = (err: VigilError | null, res: IncomingMessage | null): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (err !== null) reject(err);
        else resolve(res);
      };
      const onAbort = (): void => {
        finish(null, null);
        req.destroy();
      };
      const req = request(this.options('GET', path, SSE_CONTENT_TYPE), (res) => finish(null, res));
      const timer = setTimeout(() => {
        finish(this.timeoutError(), null);
        req.destroy();
      }, this.timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (err) => finish(this.translate(err), null));
      req.end();
    });
  }

  private translate(err: unknown): VigilError {
    if (err instanceof VigilError) return err;
    if (err instanceof MalformedResponse)
      return new VigilError('E_AGENT_UNREACHABLE', `lost the connection to ${this.target} (${err.message})`);
    const code = (err as NodeJS.ErrnoException).code;
    const message = err instanceof Error ? err.message : String(err);
    if (code !== undefined && UNREACHABLE_CODES.has(code)) {
      return new VigilError(
        'E_AGENT_UNREACHABLE',
        `cannot reach the Vigil agent at ${this.target} (${message}); is it running?`,
        {
          cause: err,
        },
      );
    }
    return new VigilError('E_API', `agent request failed: ${message}`, { cause: err });
  }
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

/** The JSON body of a 2xx response; throws the VigilError an error body carries. */
function parseResponse(status: number, text: string): unknown {
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    body = undefined;
  }
  if (status >= 200 && status < 300) {
    if (body === undefined)
      throw new VigilError('E_API', `the agent answered HTTP ${status} without a JSON body`);
    return body;
  }
  if (isErrorBody(body))
    throw new VigilError(body.error.code, body.error.message, { details: { httpStatus: status } });
  throw new VigilError('E_API', `the agent answered HTTP ${status}`, { details: { httpStatus: status } });
}

function streamError(data: string): VigilError {
  let e: { code?: unknown; message?: unknown } = {};
  try {
    e = JSON.parse(data) as typeof e;
  } catch {
    // a malformed error message is still an error
  }
  return new VigilError(
    isErrorCode(e.code) ? e.code : 'E_API',
    typeof e.message === 'string' ? e.message : 'the agent ended the stream with an error',
  );
}
