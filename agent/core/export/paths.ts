/**
 * Where a service's files are in an exported container, and how services reach each other there. Pure.
 *
 * The image's build context is the manifest's directory, copied to /app: a path under that directory
 * (a program, a cwd) becomes the same path under /app; a path elsewhere (/usr/bin/python3) and a bare
 * program name (looked up on the container's PATH) are kept as written.
 */
import path from 'node:path/posix';
import type { Manifest, ServiceSpec } from '../manifest/model.js';

export const APP_DIR = '/app';

/** The manifest's directory (the build context). */
export function baseDirOf(manifest: Pick<Manifest, 'file'>): string {
  return path.dirname(manifest.file);
}

/** A host path as the container sees it. */
export function containerPath(p: string, baseDir: string): string {
  if (!path.isAbsolute(p)) return p;
  const rel = path.relative(baseDir, p);
  if (rel === '') return APP_DIR;
  if (rel.startsWith('..') || path.isAbsolute(rel)) return p;
  return path.join(APP_DIR, rel);
}

export function containerArgv(spec: ServiceSpec, baseDir: string): string[] {
  const [program = '', ...args] = spec.command;
  return [containerPath(program, baseDir), ...args];
}

export function containerCwd(spec: ServiceSpec, baseDir: string): string {
  return spec.cwd === undefined ? APP_DIR : containerPath(spec.cwd, baseDir);
}

/** The ports a service is known to listen on: its health probe's and its metrics endpoint's. */
export interface KnownPorts {
  health?: { port: number; kind: 'http' | 'tcp' | 'https' };
  metrics?: { port: number; path: string; scheme: 'http' | 'https' };
}

export function urlPort(u: URL): number {
  return u.port === '' ? (u.protocol === 'https:' ? 443 : 80) : Number(u.port);
}

export function knownPorts(spec: ServiceSpec): KnownPorts {
  const out: KnownPorts = {};
  const probe = spec.health?.probe;
  if (probe?.kind === 'http') {
    const u = new URL(probe.url);
    out.health = { port: urlPort(u), kind: u.protocol === 'https:' ? 'https' : 'http' };
  } else if (probe?.kind === 'tcp') out.health = { port: probe.port, kind: 'tcp' };
  if (spec.metrics) {
    const u = new URL(spec.metrics.url);
    out.metrics = {
      port: urlPort(u),
      path: `${u.pathname}${u.search}`,
      scheme: u.protocol === 'https:' ? 'https' : 'http',
    };
  }
  return out;
}

const LOOPBACK_URL_RE = /\b(https?):\/\/(?:127\.0\.0\.1|localhost|\[::1\]|0\.0\.0\.0):(\d{1,5})(?=[/?#]|$)/g;

/**
 * A service's non-secret env with each loopback URL that points at another service's known port
 * rewritten to that service's name (its host name in Compose and its Service in Kubernetes):
 * `http://127.0.0.1:4000/v1` in agent-core becomes `http://llm-proxy:4000/v1`.
 */
export function peerEnv(spec: ServiceSpec, manifest: Manifest): Record<string, string> {
  const owner = new Map<number, string>();
  for (const s of manifest.services) {
    if (s.name === spec.name) continue;
    const k = knownPorts(s);
    for (const port of [k.health?.port, k.metrics?.port])
      if (port !== undefined && !owner.has(port)) owner.set(port, s.name);
  }
  const own = knownPorts(spec);
  const mine = new Set([own.health?.port, own.metrics?.port]);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(spec.env))
    out[key] = value.replace(LOOPBACK_URL_RE, (m, scheme: string, port: string) => {
      const peer = owner.get(Number(port));
      return peer === undefined || mine.has(Number(port)) ? m : `${scheme}://${peer}:${port}`;
    });
  return out;
}

/** One file of an export: its path relative to the output directory, and its text. */
export interface ExportFile {
  path: string;
  text: string;
}
