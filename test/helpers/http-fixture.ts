/** A real local HTTP server whose answer per path the test sets (status, body, delay, or hang). */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface Reply {
  status?: number;
  body?: string | object;
  /** Wait this long before answering (ms). */
  delayMs?: number;
  /** Never answer (headers only with `headersThenHang`). */
  hang?: boolean;
  headersThenHang?: boolean;
}

export interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

export interface HttpFixture {
  url(path?: string): string;
  port: number;
  /** What GET/POST <path> answers from now on. */
  set(path: string, reply: Reply | ((r: Received) => Reply)): void;
  received: Received[];
  close(): Promise<void>;
}

export async function startHttpFixture(): Promise<HttpFixture> {
  const replies = new Map<string, Reply | ((r: Received) => Reply)>();
  const received: Received[] = [];
  const open = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      received.push(r);
      const spec = replies.get((req.url ?? '/').split('?')[0]!) ?? { status: 404, body: 'not found' };
      const reply = typeof spec === 'function' ? spec(r) : spec;
      open.add(res);
      res.on('close', () => open.delete(res));
      if (reply.hang) return;
      if (reply.headersThenHang) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"status":');
        return;
      }
      const send = () => {
        const body = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
        res.writeHead(reply.status ?? 200, {
          'content-type': typeof reply.body === 'string' ? 'text/plain' : 'application/json',
        });
        res.end(body);
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    port,
    url: (p = '/health') => `http://127.0.0.1:${port}${p}`,
    set: (p, reply) => replies.set(p, reply),
    received,
    close: async () => {
      for (const r of open) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
