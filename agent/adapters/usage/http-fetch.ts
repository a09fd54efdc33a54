/** GET a Prometheus endpoint: text body of a 2xx answer within the timeout, or an error saying why not. */
import { httpLib } from '../http/http-lib.js';
import type { MetricsFetcher } from '../../ports/usage-sources.js';

const MAX_BODY = 32 * 1024 * 1024;

export class HttpMetricsFetcher implements MetricsFetcher {
  async fetch(url: string, timeoutMs: number): Promise<string> {
    const lib = (await httpLib(url.startsWith('https:') ? 'https:' : 'http:'))!;
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (err: Error | null, body?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(body ?? '');
      };
      const req = lib.get(
        url,
        {
          headers: { accept: 'text/plain;version=0.0.4, */*;q=0.1', 'user-agent': 'vigil-usage' },
          agent: false,
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) {
            res.resume();
            finish(new Error(`HTTP ${status}`));
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_BODY) {
              req.destroy();
              finish(new Error(`body larger than ${MAX_BODY} bytes`));
            } else chunks.push(c);
          });
          res.on('end', () => finish(null, Buffer.concat(chunks).toString('utf8')));
          res.on('error', (err) => finish(err));
        },
      );
      const timer = setTimeout(() => {
        req.destroy();
        finish(new Error(`timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) =>
        finish(new Error(err.code === 'ECONNREFUSED' ? 'connection refused' : err.message)),
      );
    });
  }
}
