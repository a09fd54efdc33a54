/**
 * Parsing of `systemctl --user show -p Id,... --timestamp=unix a.service b.service` output. Pure.
 *
 * systemctl prints one block of `Key=value` lines per unit, blocks separated by a blank line, properties in
 * no guaranteed order. Empty values and `[not set]` are treated as missing.
 */
import { signalName } from '../../core/signals.js';
import type { ActiveState, ObservedStatus } from '../../ports/service-manager.js';

/** The properties Vigil asks for, in one batched call. */
export const SHOW_PROPERTIES = [
  'Id',
  'LoadState',
  'ActiveState',
  'SubState',
  'MainPID',
  'NRestarts',
  'ExecMainCode',
  'ExecMainStatus',
  'Result',
  'StateChangeTimestamp',
  'MemoryCurrent',
  'CPUUsageNSec',
  // What vigil-launch told systemd (STATUS=) while it waits for healthy dependencies.
  'StatusText',
] as const;

export type ShowProps = Readonly<Record<string, string>>;

/** Blocks keyed by their `Id=`; a block without an Id is dropped. */
export function parseShow(stdout: string): Map<string, Record<string, string>> {
  const units = new Map<string, Record<string, string>>();
  for (const block of stdout.split(/\r?\n[ \t]*\r?\n/)) {
    const props: Record<string, string> = {};
    for (const raw of block.split(/\r?\n/)) {
      const eq = raw.indexOf('=');
      if (eq <= 0) continue;
      const key = raw.slice(0, eq).trim();
      const value = raw.slice(eq + 1).trim();
      if (value === '' || value === '[not set]') continue;
      props[key] = value;
    }
    if (props.Id !== undefined) units.set(props.Id, props);
  }
  return units;
}

const ACTIVE_STATES: ReadonlySet<string> = new Set([
  'active',
  'activating',
  'deactivating',
  'inactive',
  'failed',
  'reloading',
]);

/** 2^64 - 1: systemd's "infinity / unknown" for unsigned counters. */
const UINT64_MAX = '18446744073709551615';

function uint(value: string | undefined): number | null {
  if (value === undefined || value === UINT64_MAX || !/^\d+$/.test(value)) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : null;
}

/** `@1795729859` (or `@1795729859.123`) → milliseconds. */
function unixTimestampMs(value: string | undefined): number | null {
  const m = value === undefined ? null : /^@(\d+)(?:\.(\d+))?$/.exec(value);
  if (!m) return null;
  const ms = Number(m[1]) * 1000 + Number(((m[2] ?? '') + '000').slice(0, 3));
  return ms > 0 ? ms : null;
}

/** CLD_EXITED = 1, CLD_KILLED = 2, CLD_DUMPED = 3; 0 means the main process has not exited. */
function lastExit(props: ShowProps): ObservedStatus['lastExit'] {
  const how = uint(props.ExecMainCode);
  const status = uint(props.ExecMainStatus);
  if (how === 1) return { code: status, signal: null };
  if (how === 2 || how === 3) return { code: null, signal: status === null ? null : signalName(status) };
  return null;
}

/** Maps one unit's properties (undefined: systemctl said nothing about it) to an ObservedStatus. */
export function toObservedStatus(
  service: string,
  unit: string,
  props: ShowProps | undefined,
): ObservedStatus {
  const p: ShowProps = props ?? {};
  const active = p.ActiveState;
  const pid = uint(p.MainPID);
  return {
    service,
    unit,
    loaded: p.LoadState === 'loaded',
    active: active !== undefined && ACTIVE_STATES.has(active) ? (active as ActiveState) : 'unknown',
    sub: p.SubState ?? 'unknown',
    pid: pid === null || pid === 0 ? null : pid,
    restarts: uint(p.NRestarts) ?? 0,
    // NRestarts is counted when the restart job is queued, before the start limit refuses it.
    restartsCountRefused: true,
    result: p.Result ?? null,
    lastExit: lastExit(p),
    since: unixTimestampMs(p.StateChangeTimestamp),
    memoryBytes: uint(p.MemoryCurrent),
    cpuNsec: uint(p.CPUUsageNSec),
    ...(p.StatusText === undefined ? {} : { note: p.StatusText }),
  };
}
