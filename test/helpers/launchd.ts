/** Helpers for the launchd tests: service specs, and python3's plistlib as an independent plist parser. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { ServiceSpec } from '../../agent/core/manifest/model.js';

export function makeSpec(name: string, over: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    name,
    description: `test ${name}`,
    command: ['/bin/sleep', '1000'],
    cwd: undefined,
    env: {},
    credentials: [name],
    dependsOn: [],
    restart: { policy: 'always', delaySec: 1, burst: 5, intervalSec: 60 },
    health: undefined,
    metrics: undefined,
    limits: { memoryBytes: undefined, cpuPercent: undefined },
    ...over,
  };
}

/** /usr/bin/python3, else python3 on PATH (pyenv shim); null when there is none. */
export function findPython(): string | null {
  for (const p of ['/usr/bin/python3', '/usr/local/bin/python3']) if (existsSync(p)) return p;
  try {
    return execFileSync('sh', ['-c', 'command -v python3'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** Why the plistlib tests are skipped (no python3 here), or false. In CI (CI=true) they never are: they fail. */
export function noPython(python: string | null): string | false {
  return python === null && !process.env.CI
    ? 'python3 not found (install python3 to run the plistlib checks)'
    : false;
}

/** A plist value with its plist type, as python's plistlib read it. */
export type Typed =
  | { string: string }
  | { integer: number }
  | { real: number }
  | { bool: boolean }
  | { array: Typed[] }
  | { dict: Record<string, Typed> };

const SCRIPT = `
import json, plistlib, sys
def tag(v):
    if isinstance(v, bool): return {"bool": v}
    if isinstance(v, int): return {"integer": v}
    if isinstance(v, float): return {"real": v}
    if isinstance(v, str): return {"string": v}
    if isinstance(v, list): return {"array": [tag(x) for x in v]}
    if isinstance(v, dict): return {"dict": {k: tag(x) for k, x in v.items()}}
    raise TypeError(type(v).__name__)
out = []
for f in sys.argv[1:]:
    with open(f, "rb") as fh:
        out.append(tag(plistlib.load(fh, fmt=plistlib.FMT_XML)))
print(json.dumps(out))
`;

/** Parses plist files with python3 -c plistlib (XML format required), returning typed trees. */
export function plistlibLoad(python: string, files: readonly string[]): Typed[] {
  return JSON.parse(execFileSync(python, ['-c', SCRIPT, ...files], { encoding: 'utf8' })) as Typed[];
}

export const str = (s: string): Typed => ({ string: s });
export const int = (n: number): Typed => ({ integer: n });
export const bool = (b: boolean): Typed => ({ bool: b });
export const arr = (xs: string[]): Typed => ({ array: xs.map(str) });
export const dict = (o: Record<string, Typed>): Typed => ({ dict: o });
