/** Plain-text tables and times for people. */
import type { ServiceStatus } from '../core/status.js';
import type { VigilEvent } from '../core/events.js';
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

export function eventLine(e: VigilEvent): string {
  const mark = e.severity === 'critical' ? '!!' : e.severity === 'warning' ? '! ' : '  ';
  return `${new Date(e.at).toISOString()} ${mark} ${e.type.padEnd(15)} ${e.message}`;
}
