/**
 * What a service's health probe checks, one of three kinds (the manifest's `health.url`, `health.tcp`,
 * `health.exec`): an HTTP GET that must answer 2xx, a TCP connect that must succeed, or a program that
 * must exit 0 within the probe's timeout. Pure.
 */

export type ProbeSpec =
  | { kind: 'http'; url: string }
  | { kind: 'tcp'; host: string; port: number }
  /** argv[0] is an absolute path after loading; run without a shell, in the service's cwd when it has one. */
  | { kind: 'exec'; argv: string[]; cwd?: string };

export type ProbeKind = ProbeSpec['kind'];

/** The manifest keys under `health:` that each name a probe kind; exactly one is set per service. */
export const PROBE_KEYS = ['url', 'tcp', 'exec'] as const;

/** One line for people: the URL, "tcp 127.0.0.1:6379", "exec /usr/bin/redis-cli ping". */
export function describeProbe(p: ProbeSpec): string {
  switch (p.kind) {
    case 'http':
      return p.url;
    case 'tcp':
      return `tcp ${formatTcpTarget(p.host, p.port)}`;
    case 'exec':
      return `exec ${p.argv.join(' ')}`;
  }
}

export function formatTcpTarget(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

const TCP_RE = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]/]+)):(\d{1,5})$/;

/** "127.0.0.1:6379", "localhost:5432", "[::1]:6379" → host and port; null when it is not host:port. */
export function parseTcpTarget(text: string): { host: string; port: number } | null {
  const m = TCP_RE.exec(text);
  if (!m) return null;
  const port = Number(m[3]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return null;
  return { host: m[1] ?? m[2] ?? '', port };
}

/**
 * The probe of a stored health setting. Service records written before probe kinds existed carry only
 * `url` (an HTTP probe); those are read as one.
 */
export function probeOf(health: { probe?: ProbeSpec; url?: string } | undefined): ProbeSpec | undefined {
  if (!health) return undefined;
  if (health.probe) return health.probe;
  return typeof health.url === 'string' ? { kind: 'http', url: health.url } : undefined;
}
