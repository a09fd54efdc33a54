/**
 * A service's log files: `<name>.log` (current) and `<name>.log.1` … `<name>.log.K` (rotated, .1 newest).
 *
 * Files are opened newest first, each only after the previous one is open. Rotation only ever moves a
 * file to the next higher number, so a rotation between two opens shows up as a file already opened
 * (same inode) one number higher: skipping inodes already seen keeps the sequence exact.
 */
import { open, readdir, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

export interface OpenLogFile {
  /** Base name, e.g. "web.log.2". */
  name: string;
  fh: FileHandle;
  ino: number;
  size: number;
}

/** The numbers of the rotated files that exist now, ascending (gaps allowed). */
export async function rotatedNumbers(base: string): Promise<number[]> {
  const prefix = `${path.basename(base)}.`;
  let names: string[];
  try {
    names = await readdir(path.dirname(base));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: number[] = [];
  for (const n of names) {
    if (!n.startsWith(prefix)) continue;
    const rest = n.slice(prefix.length);
    if (/^[1-9]\d{0,5}$/.test(rest)) out.push(Number(rest));
  }
  return out.sort((a, b) => a - b);
}

/** Opens a file for reading; null when it does not exist. */
export async function openIfExists(file: string): Promise<OpenLogFile | null> {
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const st = await fh.stat();
  return { name: path.basename(file), fh, ino: st.ino, size: st.size };
}

/**
 * Yields the open files newest first (current file, then .1, .2 …). The consumer closes each file it got;
 * files not yet yielded are never opened, so stopping early costs nothing.
 */
export async function* newestFirst(base: string): AsyncGenerator<OpenLogFile> {
  const seen = new Set<number>();
  const current = await openIfExists(base);
  if (current) {
    seen.add(current.ino);
    yield current;
  }
  const numbers = await rotatedNumbers(base);
  for (const n of numbers) {
    const f = await openIfExists(`${base}.${n}`);
    if (!f) continue;
    if (seen.has(f.ino)) {
      await f.fh.close();
      continue;
    }
    seen.add(f.ino);
    yield f;
  }
}
