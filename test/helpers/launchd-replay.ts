/** Shared set-up for the LaunchdManager replay tests: a temp home, a scripted runner, real captured outputs. */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { vigilPaths, type VigilPaths } from '../../agent/core/paths.js';
import { LaunchdManager } from '../../agent/adapters/launchd/launchd-manager.js';
import { PS_ARGS } from '../../agent/adapters/launchd/process-table.js';
import { ScriptedRunner, type Step } from './scripted-runner.js';
import { StepClock } from './step-clock.js';
import { FIXTURES } from './vigil.js';

export const fixture = (name: string) => readFileSync(path.join(FIXTURES, 'launchd', name), 'utf8');
export const ERR = JSON.parse(fixture('errors.json')) as Record<string, { exitCode: number; stderr: string }>;

export interface Replay {
  dir: string;
  paths: VigilPaths;
  agentDir: string;
  runner: ScriptedRunner;
  clock: StepClock;
  kills: Array<[number, string]>;
  manager: LaunchdManager;
  close(): void;
}

export function replay(opts: { domain?: string } = {}): Replay {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-replay-'));
  const paths = vigilPaths({ HOME: dir, VIGIL_HOME: path.join(dir, 'vh') });
  const agentDir = path.join(dir, 'LaunchAgents');
  const launcher = path.join(dir, 'vigil-launch');
  writeFileSync(launcher, '#!/bin/sh\n');
  chmodSync(launcher, 0o755);
  const runner = new ScriptedRunner();
  const clock = new StepClock();
  const kills: Array<[number, string]> = [];
  const manager = new LaunchdManager({
    runner,
    paths,
    launcher,
    agentDir,
    clock,
    uid: 501,
    env: { PATH: '/usr/bin:/bin' },
    ...(opts.domain ? { domain: opts.domain } : {}),
    kill: (pid, sig) => kills.push([pid, sig]),
  });
  return {
    dir,
    paths,
    agentDir,
    runner,
    clock,
    kills,
    manager,
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

const LC = '/bin/launchctl';
export const lc = (args: string[], reply: Omit<Step, 'argv'> = {}): Step => ({
  argv: [LC, ...args],
  ...reply,
});
export const notFound: Omit<Step, 'argv'> = { exitCode: 113, stderr: ERR.printNotFound!.stderr };
/** The domain probe: print of the agent's label in gui/501 (113 = the domain exists). */
export const probeGui = (): Step => lc(['print', 'gui/501/dev.vigil.agent'], notFound);

/** A `launchctl print` in the real format, for a label (fields as on a Mac, TAB-indented). */
export function printOut(
  label: string,
  f: { state: string; pid?: number; runs?: number; last?: string; signal?: string },
): string {
  return [
    `gui/501/${label} = {`,
    '\tactive count = 1',
    `\tpath = /Users/me/Library/LaunchAgents/${label}.plist`,
    '\ttype = LaunchAgent',
    `\tstate = ${f.state}`,
    '',
    '\tdomain = gui/501 [100002]',
    ...(f.runs === undefined ? [] : [`\truns = ${f.runs}`]),
    ...(f.pid === undefined ? [] : [`\tpid = ${f.pid}`]),
    ...(f.last === undefined ? [] : [`\tlast exit code = ${f.last}`]),
    ...(f.signal === undefined ? [] : [`\tlast terminating signal = ${f.signal}`]),
    '',
    '\tresource coalition = {',
    '\t\tstate = active',
    '\t}',
    '}',
    '',
  ].join('\n');
}

export const LSTART = 'Mon Jan  6 10:00:00 2025';
/** `ps -A -o pid=,ppid=,rss=,time=,lstart=` output (macOS formats) for [pid, ppid, rssKiB, time]. */
export function psOut(rows: Array<[number, number, number, string]>): string {
  return (
    rows
      .map(
        ([pid, ppid, rss, time]) =>
          `${String(pid).padStart(5)} ${String(ppid).padStart(5)} ${String(rss).padStart(6)} ${time.padStart(8)} ${LSTART}`,
      )
      .join('\n') + '\n'
  );
}
export const ps = (rows: Array<[number, number, number, string]>): Step => ({
  argv: ['ps', ...PS_ARGS],
  stdout: psOut(rows),
});
