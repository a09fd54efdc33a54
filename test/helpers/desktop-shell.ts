/**
 * The desktop shell's real code (dist/electron/main.js) in a child Node process with 'electron' resolved
 * to the recording stand-in (test/electron-standin/), driven over the child's IPC channel.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Call } from '../electron-standin/electron.js';
import type { MenuEntry } from '../electron-standin/control.js';
import { ROOT, waitFor } from './vigil.js';

export const SHELL_MAIN = path.join(ROOT, 'dist', 'electron', 'main.js');
export const PRELOAD = path.join(ROOT, 'dist', 'electron', 'preload.cjs');
const REGISTER = path.join(ROOT, 'test', 'electron-standin', 'register.mjs');

export interface DesktopShell {
  child: ChildProcess;
  /** Every call the shell made so far (fetched). */
  calls(): Promise<Call[]>;
  /** The calls to one API (`Tray.setToolTip`), in order. */
  callsTo(api: string): Promise<Call[]>;
  menu(): Promise<MenuEntry[]>;
  /** Clicks the item whose labels (one regex per level) match. */
  clickMenu(...path: string[]): Promise<string>;
  request<T>(req: Record<string, unknown> & { op: string }): Promise<T>;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  stderr(): string;
  kill(): void;
}

export function startShell(env: NodeJS.ProcessEnv, args: string[] = []): DesktopShell {
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', REGISTER, SHELL_MAIN, ...args], {
    env,
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // Its own process group: whatever it starts can be found after it ends.
    detached: true,
  });
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let next = 1;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  child.on('message', (m: { id: number; ok: boolean; value?: unknown; error?: string }) => {
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.ok) w?.resolve(m.value);
    else w?.reject(new Error(m.error));
  });
  void exited.then(() => {
    for (const w of waiting.values()) w.reject(new Error(`the shell exited: ${stderr}`));
    waiting.clear();
  });
  const request = <T>(req: Record<string, unknown>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (child.exitCode !== null || !child.connected)
        return reject(new Error(`the shell is not running: ${stderr}`));
      const id = next++;
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, ...req });
    });
  const calls = () => request<Call[]>({ op: 'calls', from: 0 });
  return {
    child,
    calls,
    async callsTo(api) {
      return (await calls()).filter((c) => c.api === api);
    },
    menu: () => request<MenuEntry[]>({ op: 'menu' }),
    clickMenu: (...p) => request<string>({ op: 'clickMenu', path: p }),
    request,
    exited,
    stderr: () => stderr,
    kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** The tray's last tooltip and icon file. */
export async function trayLook(
  shell: DesktopShell,
): Promise<{ tooltip: string; icon: string; title: string | null }> {
  const calls = await shell.calls();
  const last = (api: string) => [...calls].reverse().find((c) => c.api === api);
  const image = last('Tray.setImage')?.args[0] as { image: { path: string } } | undefined;
  return {
    tooltip: String(last('Tray.setToolTip')?.args[0] ?? ''),
    icon: image ? path.basename(image.image.path) : '',
    title: (last('Tray.setTitle')?.args[0] as string | undefined) ?? null,
  };
}

export function waitForTray(
  shell: DesktopShell,
  what: string,
  ok: (look: Awaited<ReturnType<typeof trayLook>>) => boolean,
  timeoutMs = 20_000,
): Promise<Awaited<ReturnType<typeof trayLook>>> {
  return waitFor(
    what,
    async () => {
      const look = await trayLook(shell);
      return ok(look) ? look : undefined;
    },
    timeoutMs,
    100,
  ).catch(async (err: Error) => {
    throw new Error(
      `${err.message}; the tray shows ${JSON.stringify(await trayLook(shell).catch(() => null))}`,
    );
  });
}

/** Processes of a process group that are still alive (from /proc). */
export function processGroupMembers(pgid: number): number[] {
  const alive: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields: state ppid pgrp …
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') alive.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return alive;
}
