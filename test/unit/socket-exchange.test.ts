/** The CLI's one-shot HTTP exchange over the agent's Unix socket (agent/api/socket-exchange.ts), against real servers. */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseHttpResponse, MalformedResponse } from '../../agent/api/socket-exchange.js';
import { ApiClient } from '../../agent/api/client.js';
import { VigilError } from '../../agent/core/errors.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-sockx-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function listen(server: Server | ReturnType<typeof createNetServer>, name: string): Promise<string> {
  const socketPath = path.join(dir, name);
  return new Promise((resolve) => server.listen(socketPath, () => resolve(socketPath)));
}

describe('parseHttpResponse', () => {
  it('reads a Content-Length body, a chunked one, and one that runs to the end', () => {
    assert.deepEqual(parseHttpResponse(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n{"a":1}')), {
      status: 200,
      text: '{"a":1}',
    });
    const chunked =
      'HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{"a"\r\n5;ext=1\r\n:"é"\r\n1\r\n}\r\n0\r\n\r\n';
    assert.deepEqual(parseHttpResponse(Buffer.from(chunked)), { status: 404, text: '{"a":"é"}' });
    assert.deepEqual(parseHttpResponse(Buffer.from('HTTP/1.0 500 x\r\n\r\nall of it')), {
      status: 500,
      text: 'all of it',
    });
  });

  it('refuses what is not a whole HTTP response', () => {
    assert.throws(() => parseHttpResponse(Buffer.from('HTTP/1.1 200 OK\r\nContent-Le')), MalformedResponse);
    assert.throws(() => parseHttpResponse(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n')), /not an HTTP response/);
    assert.throws(
      () => parseHttpResponse(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort')),
      /cut short after 5 bytes/,
    );
    assert.throws(
      () => parseHttpResponse(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc')),
      /cut short after 0 bytes/,
    );
  });
});

describe('ApiClient over a Unix socket without node:http', () => {
  it('sends method, path, headers and JSON body; reads chunked and sized answers from a real http server', async () => {
    const seen: { method?: string; url?: string; host?: string; accept?: string; body: string }[] = [];
    const server = createHttpServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        seen.push({
          method: req.method,
          url: req.url,
          host: req.headers.host,
          accept: req.headers.accept,
          body,
        });
        if (req.url === '/api/status') {
          res.setHeader('content-type', 'application/json');
          res.write('{"services":[');
          res.end(']}'); // no Content-Length: chunked
        } else {
          const text = JSON.stringify({
            service: 'web',
            verb: 'restart',
            ok: true,
            unicode: 'ü'.repeat(70_000),
          });
          res.writeHead(200, {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(text),
          });
          res.end(text);
        }
      });
    });
    const socketPath = await listen(server, 'http.sock');
    try {
      const client = new ApiClient({ socketPath });
      assert.deepEqual(await client.status(), { services: [] });
      const r = (await client.call('budgetResume', {}, undefined, { addUsd: 5 })) as unknown as {
        unicode: string;
      };
      assert.equal(r.unicode.length, 70_000, 'a body larger than one socket read arrives whole');
      assert.deepEqual(seen[0], {
        method: 'GET',
        url: '/api/status',
        host: 'localhost',
        accept: 'application/json',
        body: '',
      });
      assert.equal(seen[1]!.method, 'POST');
      assert.equal(seen[1]!.body, '{"addUsd":5}');
    } finally {
      server.close();
    }
  });

  it('an error body becomes its VigilError; no socket and a dropped connection are E_AGENT_UNREACHABLE', async () => {
    const server = createHttpServer((_req, res) => {
      res.writeHead(409, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'E_LOCKED', message: 'busy' } }));
    });
    const socketPath = await listen(server, 'err.sock');
    const dropper = createNetServer((s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"serv'));
    const dropPath = await listen(dropper, 'drop.sock');
    try {
      await assert.rejects(
        new ApiClient({ socketPath }).status(),
        (e: unknown) => e instanceof VigilError && e.code === 'E_LOCKED' && e.message === 'busy',
      );
      await assert.rejects(
        new ApiClient({ socketPath: path.join(dir, 'none.sock') }).status(),
        (e: unknown) => e instanceof VigilError && e.code === 'E_AGENT_UNREACHABLE',
      );
      await assert.rejects(
        new ApiClient({ socketPath: dropPath }).status(),
        (e: unknown) =>
          e instanceof VigilError &&
          e.code === 'E_AGENT_UNREACHABLE' &&
          /lost the connection/.test(e.message),
      );
    } finally {
      server.close();
      dropper.close();
    }
  });

  it('times out on an agent that never answers', async () => {
    const silent = createNetServer(() => undefined);
    const socketPath = await listen(silent, 'silent.sock');
    try {
      const t0 = Date.now();
      await assert.rejects(
        new ApiClient({ socketPath, timeoutMs: 200 }).status(),
        (e: unknown) =>
          e instanceof VigilError && e.code === 'E_AGENT_UNREACHABLE' && /within 200 ms/.test(e.message),
      );
      assert.ok(Date.now() - t0 < 5000);
    } finally {
      silent.close();
    }
  });
});
