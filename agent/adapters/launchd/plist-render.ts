/**
 * Renders a ServiceSpec into a LaunchAgent plist (XML, written with the `plist` package). Pure.
 *
 * The service runs under Vigil's launcher (dist/bin/vigil-launch), which owns its stdout/stderr (size
 * rotation without loss, `logs.maxBytes`/`logs.keep`: launchd opens StandardOutPath only at spawn), loads its credential sets from the
 * 0600 files at start (so no secret is ever in the plist, which anyone can read with `launchctl print`)
 * and appends every exit to the exit journal. StandardOut/ErrorPath receive only the launcher's own
 * diagnostics. Keys and why:
 *   KeepAlive          always → true; on-failure → {SuccessfulExit: false} (a non-zero exit or a signal,
 *                      launchd.plist(5)); no → false
 *   RunAtLoad          true: start when loaded (bootstrap, login), as an enabled systemd unit does
 *   ThrottleInterval   restart.delaySec rounded up, at least 1 (launchd's minimum time between spawns;
 *                      its default is 10 s; 0 would be ignored)
 *   ExitTimeOut        stopTimeoutSec + 5 s: launchd's SIGKILL reaches only the launcher, so the launcher
 *                      (--stop-timeout stopTimeoutSec) kills the service's process group itself first
 *                      and records the exit as "timeout"; launchd's kill is the backstop
 *   ProcessType        Standard unless the manifest says otherwise (Background may be deferred for hours)
 *   (no dependencies)  launchd has none: a `healthy` dependency is waited for by the launcher (--wait-for)
 *                      at every start; a dependency's restart does not restart its dependents here
 *   VigilManaged       {Home, Service, Hash}: which VIGIL_HOME owns the plist and the hash of everything
 *                      else, so a hand edit is reported as drift (launchd logs an unknown key and ignores it)
 */
import { createHash } from 'node:crypto';
import { build, parse, parseBinary, type PlistValue } from 'plist';
import type { ServiceSpec } from '../../core/manifest/model.js';
import type { VigilPaths } from '../../core/paths.js';
import { LAUNCHER_MARGIN_SEC, stopTimeoutOf } from '../../core/manifest/stop-settings.js';
import { launcherArgv, launcherLogPath } from '../launcher/contract.js';
import { VigilError } from '../../core/errors.js';
import type { UnitFile } from '../../ports/service-manager.js';
import { DEFAULT_LABEL_PREFIX, plistPath, serviceLabel, servicePath } from './labels.js';

export const MARKER_KEY = 'VigilManaged';
export const DEFAULT_PROCESS_TYPE = 'Standard';

export interface PlistRenderContext {
  paths: VigilPaths;
  /** ~/Library/LaunchAgents (or the test override). */
  agentDir: string;
  /** Absolute path of dist/bin/vigil-launch. */
  launcher: string;
}

export type PlistDict = { [key: string]: PlistValue };

export interface Markers {
  home: string | null;
  service: string | null;
  hash: string | null;
}

export function labelOf(spec: ServiceSpec): string {
  return serviceLabel(spec.name, spec.launchd?.labelPrefix ?? DEFAULT_LABEL_PREFIX);
}

export function keepAliveOf(policy: ServiceSpec['restart']['policy']): PlistValue {
  if (policy === 'always') return true;
  if (policy === 'on-failure') return { SuccessfulExit: false };
  return false;
}

export function throttleIntervalOf(delaySec: number): number {
  return Math.max(1, Math.ceil(delaySec));
}

export function renderPlist(spec: ServiceSpec, ctx: PlistRenderContext): UnitFile {
  const label = labelOf(spec);
  const env: Record<string, string> = { PATH: servicePath(spec.command[0]) };
  for (const key of Object.keys(spec.env).sort()) env[key] = spec.env[key] ?? '';
  const errLog = launcherLogPath(ctx.paths, spec.name);
  const dict: PlistDict = {
    Label: label,
    ProgramArguments: launcherArgv(spec, ctx, 'launchd'),
    ...(spec.cwd === undefined ? {} : { WorkingDirectory: spec.cwd }),
    EnvironmentVariables: env,
    RunAtLoad: true,
    KeepAlive: keepAliveOf(spec.restart.policy),
    ThrottleInterval: throttleIntervalOf(spec.restart.delaySec),
    ExitTimeOut: stopTimeoutOf(spec) + LAUNCHER_MARGIN_SEC,
    ProcessType: spec.launchd?.processType ?? DEFAULT_PROCESS_TYPE,
    StandardOutPath: errLog,
    StandardErrorPath: errLog,
    [MARKER_KEY]: { Home: ctx.paths.home, Service: spec.name },
  };
  checkStrings(spec.name, dict);
  const hash = plistHash(dict);
  const content = buildPlist({
    ...dict,
    [MARKER_KEY]: { Home: ctx.paths.home, Service: spec.name, Hash: hash },
  });
  return { service: spec.name, unit: label, path: plistPath(ctx.agentDir, label), content, hash };
}

export function buildPlist(dict: PlistDict): string {
  return `${build(dict, { indent: '\t' })}\n`;
}

/**
 * sha256 (first 16 hex digits) of the plist's meaning: keys sorted, the marker's Hash left out. Formatting
 * (indentation, key order, XML vs binary) is not drift; a changed value or key is.
 */
export function plistHash(dict: PlistDict): string {
  const copy: PlistDict = { ...dict };
  const marker = copy[MARKER_KEY];
  if (isDict(marker)) {
    const { Hash: _drop, ...rest } = marker;
    copy[MARKER_KEY] = rest;
  }
  return createHash('sha256').update(canonical(copy), 'utf8').digest('hex').slice(0, 16);
}

/** Parses an XML or binary plist into a dictionary; null when it is neither (or not a dictionary). */
export function parsePlistFile(bytes: Uint8Array): PlistDict | null {
  const data = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    const value =
      data.subarray(0, 6).toString('latin1') === 'bplist' ? parseBinary(data) : parse(data.toString('utf8'));
    return isDict(value) ? value : null;
  } catch {
    return null;
  }
}

export function readMarkers(dict: PlistDict): Markers {
  const m = dict[MARKER_KEY];
  const str = (v: PlistValue | undefined) => (typeof v === 'string' ? v : null);
  return isDict(m)
    ? { home: str(m.Home), service: str(m.Service), hash: str(m.Hash) }
    : { home: null, service: null, hash: null };
}

export function isDict(v: PlistValue | undefined | null): v is PlistDict {
  return (
    typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date) && !ArrayBuffer.isView(v)
  );
}

function canonical(v: PlistValue): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v instanceof Date) return JSON.stringify(v.toISOString());
  if (ArrayBuffer.isView(v))
    return JSON.stringify(Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64'));
  if (isDict(v)) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k] as PlistValue)}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** XML 1.0 cannot carry most control characters; say which value has one instead of writing a broken plist. */
// eslint-disable-next-line no-control-regex
const XML_INVALID_RE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

function checkStrings(service: string, v: PlistValue, where = ''): void {
  if (typeof v === 'string') {
    if (XML_INVALID_RE.test(v)) {
      throw new VigilError(
        'E_SERVICE_MANAGER',
        `cannot write the LaunchAgent of ${service}: ${where || 'a value'} contains a control character that a plist cannot hold (${JSON.stringify(v)})`,
      );
    }
    return;
  }
  if (Array.isArray(v)) v.forEach((x, i) => checkStrings(service, x as PlistValue, `${where}[${i}]`));
  else if (isDict(v))
    for (const [k, x] of Object.entries(v)) checkStrings(service, x, where ? `${where}.${k}` : k);
}
