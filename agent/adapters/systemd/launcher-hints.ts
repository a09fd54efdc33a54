/**
 * Why a start failed, in the launcher's words: when systemctl reports a failed start job, what
 * vigil-launch wrote meanwhile to `<logs>/<name>.launcher.log` (e.g. "cannot execute /x: No such file or
 * directory") is added to the error, so `vigil apply` says what went wrong without a trip to journalctl.
 */
import { constants, open, stat } from 'node:fs/promises';
import { VigilError, isVigilError } from '../../core/errors.js';
import type { VigilPaths } from '../../core/paths.js';
import { launcherLogPath } from '../launcher/contract.js';

const MAX_LINES = 3;
const MAX_BYTES = 4096;

async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

/** The last lines (at most MAX_LINES) written to `file` after byte `from`. */
export async function linesAfter(file: string, from: number): Promise<string[]> {
  let fh;
  try {
    // O_NOFOLLOW: a link put in place of the launcher log is not read through
    fh = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return [];
  }
  try {
    const { size } = await fh.stat();
    const start = Math.max(size < from ? 0 : from, size - MAX_BYTES);
    const buf = Buffer.alloc(size - start);
    const { bytesRead } = await fh.read(buf, 0, buf.length, start);
    return buf
      .toString('utf8', 0, bytesRead)
      .split('\n')
      .filter((l) => l.trim() !== '')
      .slice(-MAX_LINES);
  } finally {
    await fh.close();
  }
}

/** Runs a start-type call; a failure gets what the launcher said meanwhile about these services. */
export async function withLauncherHints(
  paths: VigilPaths,
  services: readonly string[],
  call: () => Promise<void>,
): Promise<void> {
  const files = services.map((s) => launcherLogPath(paths, s));
  const before = await Promise.all(files.map(sizeOf));
  try {
    await call();
  } catch (err) {
    if (!isVigilError(err)) throw err;
    const hints = (
      await Promise.all(files.map((f, i) => linesAfter(f, before[i] ?? 0).catch(() => [])))
    ).flat();
    if (hints.length === 0) throw err;
    throw new VigilError(err.code, `${err.message}\n${hints.join('\n')}`, {
      cause: err,
      details: { ...err.details },
    });
  }
}
