/**
 * node:http or node:https for a URL's protocol, imported on first use: TLS costs a process about 2 MB of
 * resident memory, which an agent whose webhooks, scrapes and probes are all plain http never pays.
 * null: neither http: nor https:.
 */
import type * as Http from 'node:http';
import type * as Https from 'node:https';

export type HttpLib = typeof Http | typeof Https;

export async function httpLib(protocol: string): Promise<HttpLib | null> {
  if (protocol === 'http:') return import('node:http');
  if (protocol === 'https:') return import('node:https');
  return null;
}
