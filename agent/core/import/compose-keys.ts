/**
 * The keys of one docker-compose service, each read into the ImportedService (compose.ts reads the file
 * and calls these). Pure.
 */
import type { ImportedService, SourceAt } from './model.js';
import { parseSizeBytes, parseSpanSec } from './words.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export type Note = (p: (string | number)[], message: string) => void;

export function readEnvironment(v: unknown, svc: ImportedService, note: Note): void {
  if (v === undefined || v === null) return;
  const entries: [string, unknown, (string | number)[]][] = Array.isArray(v)
    ? v.map((e, i) => {
        const s = String(e);
        const eq = s.indexOf('=');
        return eq < 0
          ? [s, undefined, ['environment', i]]
          : [s.slice(0, eq), s.slice(eq + 1), ['environment', i]];
      })
    : isObj(v)
      ? Object.entries(v).map(([k, val]) => [k, val, ['environment', k]])
      : [];
  for (const [k, val, p] of entries) {
    if (val === undefined || val === null)
      note(
        p,
        `${k} takes its value from the shell that runs docker compose; not mapped (set it in env: or the credential store)`,
      );
    else svc.env[k] = { value: String(val), origin: 'inline' };
  }
}

export function readHealthcheck(v: unknown, svc: ImportedService, note: Note): void {
  if (!isObj(v) || v.disable === true) return;
  const test = v.test;
  let exec: string[] | null = null;
  if (Array.isArray(test) && test[0] === 'CMD') exec = test.slice(1).map(String);
  else if (Array.isArray(test) && test[0] === 'CMD-SHELL') exec = ['/bin/sh', '-c', String(test[1] ?? '')];
  else if (typeof test === 'string') exec = ['/bin/sh', '-c', test];
  else if (Array.isArray(test) && test[0] === 'NONE') return;
  if (exec === null || exec.length === 0) {
    note(['healthcheck', 'test'], 'healthcheck.test could not be read; not mapped');
    return;
  }
  svc.health = { exec };
  for (const [k, field] of [
    ['interval', 'intervalSec'],
    ['timeout', 'timeoutSec'],
  ] as const) {
    if (v[k] === undefined) continue;
    const sec = parseSpanSec(String(v[k]));
    if (sec === null || sec <= 0) note(['healthcheck', k], `healthcheck.${k} could not be read; not mapped`);
    else svc.health[field] = sec;
  }
  for (const k of ['retries', 'start_period', 'start_interval'])
    if (v[k] !== undefined)
      note(
        ['healthcheck', k],
        `healthcheck.${k} is not mapped (Vigil counts a service healthy after health.stableSec of passing probes)`,
      );
}

export function readDepends(
  v: unknown,
  svc: ImportedService,
  at: (...p: (string | number)[]) => SourceAt,
  note: Note,
): void {
  if (Array.isArray(v)) {
    v.forEach((d, i) =>
      svc.dependsOn.push({ ref: String(d), condition: 'started', at: at('depends_on', i) }),
    );
  } else if (isObj(v)) {
    for (const [d, c] of Object.entries(v)) {
      const cond = isObj(c) ? c.condition : undefined;
      if (cond === 'service_completed_successfully')
        note(
          ['depends_on', d],
          `${d}: service_completed_successfully (a one-shot job) is imported as started`,
        );
      svc.dependsOn.push({
        ref: d,
        condition: cond === 'service_healthy' ? 'healthy' : 'started',
        at: at('depends_on', d),
      });
    }
  }
}

export function readRestart(v: unknown, svc: ImportedService, note: Note): void {
  if (v === undefined) {
    svc.restart = { policy: 'no' };
    return;
  }
  const s = String(v);
  if (s === 'always' || s === 'unless-stopped') svc.restart = { policy: 'always' };
  else if (s === 'no') svc.restart = { policy: 'no' };
  else if (/^on-failure(:\d+)?$/.test(s)) {
    svc.restart = { policy: 'on-failure' };
    if (s.includes(':'))
      note(
        ['restart'],
        `${s}: the retry count is not mapped (restart.burst limits restarts per restart.intervalSec)`,
      );
  } else note(['restart'], `restart: ${s} could not be read; not mapped`);
}

export function readLimits(raw: Obj, svc: ImportedService, note: Note): void {
  const deploy = isObj(raw.deploy) ? raw.deploy : {};
  const res = isObj(deploy.resources) ? deploy.resources : {};
  const lim = isObj(res.limits) ? res.limits : {};
  const mem = lim.memory ?? raw.mem_limit;
  const memPath = lim.memory !== undefined ? ['deploy', 'resources', 'limits', 'memory'] : ['mem_limit'];
  if (mem !== undefined) {
    const b = parseSizeBytes(typeof mem === 'number' ? mem : String(mem));
    if (b === null) note(memPath, `memory limit ${String(mem)} could not be read; not mapped`);
    else (svc.limits ??= {}).memoryBytes = b;
  }
  const cpus = lim.cpus ?? raw.cpus;
  if (cpus !== undefined) {
    const n = Number(cpus);
    if (!(n > 0))
      note(
        lim.cpus !== undefined ? ['deploy', 'resources', 'limits', 'cpus'] : ['cpus'],
        `cpus ${String(cpus)} could not be read; not mapped`,
      );
    else (svc.limits ??= {}).cpuPercent = Math.round(n * 100 * 100) / 100;
  }
  for (const k of Object.keys(deploy))
    if (k !== 'resources') note(['deploy', k], `deploy.${k} is not mapped`);
  for (const k of Object.keys(lim))
    if (k !== 'memory' && k !== 'cpus')
      note(['deploy', 'resources', 'limits', k], `deploy.resources.limits.${k} is not mapped`);
  if (res.reservations !== undefined)
    note(['deploy', 'resources', 'reservations'], 'deploy.resources.reservations is not mapped');
}

export function readLogging(v: unknown, svc: ImportedService, note: Note): void {
  if (!isObj(v)) return;
  const opts = isObj(v.options) ? v.options : {};
  if (opts['max-size'] !== undefined) {
    const b = parseSizeBytes(String(opts['max-size']));
    if (b === null || b < 1024)
      note(
        ['logging', 'options', 'max-size'],
        `max-size ${String(opts['max-size'])} could not be read (at least 1K); not mapped`,
      );
    else (svc.logs ??= {}).maxBytes = b;
  }
  if (opts['max-file'] !== undefined) {
    const n = Number(opts['max-file']);
    // Docker counts the current file; Vigil's keep counts the rotated ones.
    if (!Number.isInteger(n) || n < 1)
      note(['logging', 'options', 'max-file'], 'max-file could not be read; not mapped');
    else (svc.logs ??= {}).keep = Math.min(1000, n - 1);
  }
  if (v.driver !== undefined && v.driver !== 'json-file' && v.driver !== 'local')
    note(
      ['logging', 'driver'],
      `logging.driver ${String(v.driver)} is not mapped: Vigil writes the log itself`,
    );
}
