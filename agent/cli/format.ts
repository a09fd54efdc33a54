/** Plain-text tables and times for people. */
import type { ServiceStatus } from '../core/status.js';
import type { ExitInfo, VigilEvent } from '../core/events.js';
import type { HostDoc } from '../core/host.js';
import { groupStatuses, groupSummary } from '../core/replicas-status.js';

export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  '))
    .join('\n');
}

export function ago(iso: string | null, now: number): string {
  if (!iso) return '-';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ''}`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600)}h`;
}

/**
 * One row per service; a replicated service as a row of its own ("2/3 running", CPU and memory summed)
 * with its instances indented under it.
 */
export function statusTable(services: readonly ServiceStatus[], now: number): string {
  if (services.length === 0) return 'No services installed. Write a vigil.yaml and run: vigil apply';
  const rows = [['NAME', 'STATE', 'HEALTH', 'PID', 'RESTARTS', 'SINCE', 'CPU', 'MEM', 'LAST EXIT']];
  const groups = new Map(groupStatuses(services).map((g) => [g.name, g]));
  const shown = new Set<string>();
  for (const s of services) {
    const g = s.group === undefined ? undefined : groups.get(s.group);
    if (g && !shown.has(g.name)) {
      shown.add(g.name);
      const members = services.filter((x) => x.group === g.name);
      rows.push([
        g.name,
        groupSummary(g),
        g.health,
        '-',
        String(members.reduce((a, x) => a + x.restarts, 0)),
        '-',
        sumCell(
          members.map((x) => x.cpuPercent),
          (v) => `${v.toFixed(1)}%`,
        ),
        sumCell(
          members.map((x) => x.memoryBytes),
          bytes,
        ),
        '-',
      ]);
    }
    rows.push([
      g ? `  ${s.name}` : s.name,
      s.drifted ? `${s.state} (drifted)` : s.waiting ? `${s.state}: ${s.waiting}` : s.state,
      s.health,
      s.pid === null ? '-' : String(s.pid),
      String(s.restarts),
      ago(s.since, now),
      s.cpuPercent == null ? '-' : `${s.cpuPercent.toFixed(1)}%`,
      memoryCell(s),
      s.lastExit?.reason ?? '-',
    ]);
  }
  return table(rows);
}

/** The sum when every instance has a value, else "-". */
function sumCell(values: readonly (number | null | undefined)[], show: (v: number) => string): string {
  if (values.some((v) => v == null)) return '-';
  return show(values.reduce<number>((a, v) => a + (v ?? 0), 0));
}

/** "70.0M", or with a limit "70.0M/64.0M agent" (who enforces it: systemd, agent, none). */
function memoryCell(s: ServiceStatus): string {
  const used = s.memoryBytes === null ? '-' : bytes(s.memoryBytes);
  if (s.memoryLimitBytes === undefined) return used;
  return `${used}/${bytes(s.memoryLimitBytes)}${s.memoryEnforcement ? ` ${s.memoryEnforcement}` : ''}`;
}

/** 1536 → "1.5K", 73400320 → "70.0M". */
export function bytes(n: number): string {
  const units = ['B', 'K', 'M', 'G', 'T'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v}B` : `${v.toFixed(1)}${units[i]}`;
}

/** Lines of a service's log shown under an event that carries them (its last ones). */
export const EVENT_TAIL_LINES = 5;

/**
 * One event for `vigil events`: time, severity mark, type and message; then, when the event says why a
 * process ended, the exit reason with its code, signal and manager result, and the last lines of the log.
 */
export function eventLine(e: VigilEvent): string {
  const mark = e.severity === 'critical' ? '!!' : e.severity === 'warning' ? '! ' : '  ';
  const head = `${new Date(e.at).toISOString()} ${mark} ${e.type.padEnd(15)} `;
  const pad = ' '.repeat(head.length);
  const lines = [`${head}${e.message}`];
  if (e.exit) lines.push(`${pad}why: ${exitText(e.exit)}`);
  const tail = (e.logTail ?? []).slice(-EVENT_TAIL_LINES);
  if (tail.length > 0) {
    lines.push(`${pad}last log lines:`);
    for (const l of tail) lines.push(`${pad}  | ${oneLine(l)}`);
  }
  return lines.join('\n');
}

function exitText(x: ExitInfo): string {
  const facts = [
    x.code !== null ? `code ${x.code}` : null,
    x.signal !== null ? `signal ${x.signal}` : null,
    x.result !== null ? `result ${x.result}` : null,
  ].filter((f) => f !== null);
  return facts.length > 0 ? `${x.reason} (${facts.join(', ')})` : x.reason;
}

/** A log line on one terminal line: control characters (escape sequences, CR) shown as spaces. */
function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, ' ');
}

/** Seconds → "3d 4h", "5h 12m", "7m". */
function uptime(sec: number): string {
  const m = Math.floor(sec / 60);
  const h = Math.floor(m / 60);
  const d = Math.floor(h / 24);
  if (d > 0) return `${d}d ${h % 24}h`;
  if (h > 0) return `${h}h ${m % 60}m`;
  return `${m}m`;
}

/** The host strip of `vigil status`: CPU, memory, load, free space where VIGIL_HOME lives, uptime, power. */
export function hostLine(h: HostDoc): string {
  const used = h.memory.totalBytes - h.memory.availableBytes;
  const parts = [
    `CPU ${h.cpu.percent === null ? '—' : `${Math.round(h.cpu.percent)}%`} of ${h.cpu.cores} cores`,
    `memory ${bytes(used)} of ${bytes(h.memory.totalBytes)} (${h.memory.usedPercent.toFixed(1)} %)`,
  ];
  if (h.load) parts.push(`load ${h.load.map((x) => x.toFixed(2)).join(' ')}`);
  parts.push(
    h.disk
      ? `disk ${bytes(h.disk.freeBytes)} free of ${bytes(h.disk.totalBytes)} (${h.disk.path})`
      : 'disk unknown',
  );
  parts.push(`up ${uptime(h.uptimeSec)}`);
  if (h.power)
    parts.push(
      h.power.source === 'battery'
        ? `on battery${h.power.batteryPercent === null ? '' : ` ${h.power.batteryPercent} %`}`
        : `on mains${h.power.charging ? ', charging' : ''}`,
    );
  return `Host ${h.hostname}: ${parts.join(' · ')}`;
}
