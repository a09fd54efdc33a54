/** Fakes for the UI store's dependencies: a routed fetch, manual timers, a memory key store. */
import { createApi } from '../../renderer/src/api/client.js';
import type { KeyStore } from '../../renderer/src/api/session-key.js';
import { createAppStore, type AppStore } from '../../renderer/src/store/index.js';
import type { StoreDeps, Timers } from '../../renderer/src/store/deps.js';
import type { ServiceStatus } from '../../renderer/src/store/types.js';

export type Handler = (req: {
  method: string;
  url: URL;
  body: unknown;
  headers: Headers;
}) => Response | Promise<Response>;

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

export function errorResponse(status: number, code: string, message: string): Response {
  return json({ error: { code, message } }, status);
}

export const notFound = (path: string) => errorResponse(404, 'E_NOT_FOUND', `no such endpoint: GET ${path}`);

/** A fetch that routes "METHOD /path" to handlers (first match by prefix of the key), else 404. */
export class FakeFetch {
  readonly routes = new Map<string, Handler>();
  readonly calls: { method: string; path: string; headers: Headers; body: unknown }[] = [];

  on(key: string, h: Handler): this;
  on(key: string, body: object): this;
  on(key: string, h: Handler | object): this {
    this.routes.set(key, typeof h === 'function' ? (h as Handler) : () => json(h));
    return this;
  }

  fetch = async (input: string, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input, 'http://127.0.0.1:1');
    const method = init.method ?? 'GET';
    const headers = new Headers(init.headers);
    const body = typeof init.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
    this.calls.push({ method, path: url.pathname + url.search, headers, body });
    const h = this.routes.get(`${method} ${url.pathname}`);
    if (h === undefined) return notFound(url.pathname);
    return h({ method, url, body, headers });
  };

  count(key: string): number {
    const [m, p] = key.split(' ');
    return this.calls.filter((c) => c.method === m && c.path.split('?')[0] === p).length;
  }
}

export class ManualTimers implements Timers {
  private next = 1;
  readonly pending = new Map<number, { fn: () => void; ms: number }>();

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { fn, ms });
    return id;
  }

  clearTimeout(t: unknown): void {
    this.pending.delete(t as number);
  }

  /** Runs the timers due within `upToMs` (those pending now), in order. */
  run(upToMs = Infinity): number {
    const due = [...this.pending.entries()].filter(([, t]) => t.ms <= upToMs);
    for (const [id, t] of due) {
      this.pending.delete(id);
      t.fn();
    }
    return due.length;
  }
}

export function memoryKeys(initial: string | null = 'k'.repeat(43)): KeyStore & { value: string | null } {
  const ks = {
    value: initial,
    get: () => ks.value,
    set: (k: string) => void (ks.value = k),
    clear: () => void (ks.value = null),
  };
  return ks;
}

export function makeStore(
  f: FakeFetch,
  extra: Partial<StoreDeps> = {},
): { store: AppStore; timers: ManualTimers; keys: ReturnType<typeof memoryKeys> } {
  const timers = new ManualTimers();
  const keys = memoryKeys();
  let now = 1_700_000_000_000;
  const store = createAppStore({
    api: createApi({ fetch: f.fetch, key: () => keys.get() }),
    keys,
    now: () => (now += 1000),
    timers,
    ...extra,
  });
  return { store, timers, keys };
}

export function svc(name: string, over: Partial<ServiceStatus> = {}): ServiceStatus {
  return {
    name,
    unit: `vigil-${name}.service`,
    state: 'running',
    pid: 100,
    restarts: 0,
    since: '2024-01-01T00:00:00.000Z',
    lastExit: null,
    health: 'healthy',
    drifted: false,
    memoryBytes: 1_000_000,
    cpuNsec: 1_000_000_000,
    ...over,
  };
}

export const flush = () => new Promise((r) => setImmediate(r));
