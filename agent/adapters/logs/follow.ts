/**
 * Following a service's log like `tail -F`, across rotations, without losing or repeating a line.
 *
 * The follower holds the file it reads open. When `<name>.log` is another file than the one held (the
 * launcher rotated it), it first reads the held file to its end (the launcher wrote its last line there
 * before renaming it), then every file that came after it, oldest first — found again after each one by
 * inode, so rotations while it catches up shift nothing — and goes on with the new current file.
 */
import { stat } from 'node:fs/promises';
import { statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { openIfExists, rotatedNumbers, type OpenLogFile } from './files.js';
import type { LogCursor } from './tail.js';

export interface FollowOptions {
  /** Where to start: a cursor from tailLog; default: the current end of the log. */
  from?: LogCursor | null;
  pollMs?: number;
  signal?: AbortSignal;
}

const READ_BYTES = 1024 * 1024;

type Emit = (lines: string[]) => void | Promise<void>;

class LineSplitter {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly emit: Emit) {}

  async push(chunk: Buffer): Promise<void> {
    const data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    const last = data.lastIndexOf(0x0a);
    if (last === -1) {
      this.pending = Buffer.from(data);
      return;
    }
    this.pending = Buffer.from(data.subarray(last + 1));
    await this.emit(data.toString('utf8', 0, last).split('\n'));
  }

  /** At the end of a file: a last line without its newline is still a line. */
  async endOfFile(): Promise<void> {
    if (this.pending.length === 0) return;
    const line = this.pending.toString('utf8');
    this.pending = Buffer.alloc(0);
    await this.emit([line]);
  }

  reset(): void {
    this.pending = Buffer.alloc(0);
  }
}

interface Held {
  f: OpenLogFile;
  offset: number;
}

async function inodeOf(file: string): Promise<number | null> {
  try {
    return (await stat(file)).ino;
  } catch {
    return null;
  }
}

type Next = { name: string; ino: number } | 'later' | 'gone';

function inodeNow(file: string): number | null {
  try {
    return statSync(file).ino;
  } catch {
    return null;
  }
}

/**
 * The file written right after the one with inode `ino` (no longer the current file): `<base>.(j-1)`, or
 * `<base>` itself, when ours is `<base>.j` now — with that file's inode, so the caller can check that it
 * opened that very file. 'later' when the names moved under the look (look again soon); 'gone' when ours
 * is not there any more (rotated past the kept count).
 *
 * Rotation moves files to higher numbers, highest first. So the look goes from the highest number down
 * (it cannot step over a file moving up), with quick synchronous stats, and ends with ours looked at again
 * after its successor: still at `.j`, no rotation came between the two looks.
 */
async function nextAfter(base: string, ino: number): Promise<Next> {
  let seen = false;
  for (let attempt = 0; attempt < 5; attempt++) {
    const numbers = await rotatedNumbers(base);
    for (let i = numbers.length - 1; i >= 0; i--) {
      const name = `${base}.${numbers[i]}`;
      if (inodeNow(name) !== ino) continue;
      seen = true;
      const nextName = i === 0 ? base : `${base}.${numbers[i - 1]}`;
      const target = inodeNow(nextName);
      if (target !== null && target !== ino && inodeNow(name) === ino) return { name: nextName, ino: target };
      break; // moved meanwhile: look again
    }
  }
  return seen ? 'later' : 'gone';
}

/** The oldest file there is (when the one we read last is gone): the highest number, or the current file. */
async function oldest(base: string): Promise<{ name: string; ino: number } | null> {
  const numbers = await rotatedNumbers(base);
  const name = numbers.length > 0 ? `${base}.${numbers.at(-1)}` : base;
  const ino = await inodeOf(name);
  return ino === null ? null : { name, ino };
}

/** Delivers new lines of the log at `base` to `onLines` until the signal aborts. */
export async function followLog(base: string, onLines: Emit, opts: FollowOptions = {}): Promise<void> {
  const signal = opts.signal;
  const lines = new LineSplitter(onLines);
  let held: Held | null;

  const buf = Buffer.allocUnsafe(READ_BYTES); // LineSplitter copies what it keeps: reused for every read
  const drain = async (h: Held): Promise<void> => {
    for (;;) {
      const { bytesRead } = await h.f.fh.read(buf, 0, buf.length, h.offset);
      if (bytesRead === 0) return;
      h.offset += bytesRead;
      await lines.push(buf.subarray(0, bytesRead));
      if (signal?.aborted) return;
    }
  };

  /** After the file with inode `lastIno` was read to its end: reads every file after it, then holds the current one. */
  let waitingAfter: number | null = null;
  const advance = async (lastIno: number): Promise<Held | null> => {
    waitingAfter = null;
    for (let tries = 0; tries < 100_000 && !signal?.aborted; tries++) {
      const found = await nextAfter(base, lastIno);
      const next = found === 'gone' ? await oldest(base) : found === 'later' ? null : found;
      if (next === null) break; // the names are moving, or the new current file is being created: next poll
      const f = await openIfExists(next.name);
      if (f === null) continue;
      if (f.ino !== next.ino) {
        await f.fh.close(); // renamed between the look and the open: look again
        continue;
      }
      // The current file: follow it from its start (a rotation from here on is seen by the main loop).
      if (next.name === base) return { f, offset: 0 };
      // A rotated file: complete, read it whole.
      await drain({ f, offset: 0 });
      await f.fh.close();
      await lines.endOfFile();
      lastIno = f.ino;
    }
    waitingAfter = lastIno;
    return null;
  };

  const catchUp = async (h: Held): Promise<Held | null> => {
    await drain(h);
    await h.f.fh.close();
    await lines.endOfFile();
    return advance(h.f.ino);
  };

  // Start: at the cursor (catching up if the file was rotated since), or at the current end.
  const from = opts.from ?? null;
  const current = await openIfExists(base);
  if (from === null) held = current ? { f: current, offset: current.size } : null;
  else if (current && current.ino === from.ino) held = { f: current, offset: from.offset };
  else {
    await current?.fh.close();
    const old = await findRotated(base, from.ino);
    held = old ? await catchUp({ f: old, offset: from.offset }) : await openAt0(base);
  }

  let wake: (() => void) | null = null;
  let watcher: FSWatcher | null;
  try {
    watcher = watch(path.dirname(base), () => wake?.());
    watcher.on('error', () => undefined);
  } catch {
    watcher = null; // no inotify: polling alone
  }
  try {
    while (!signal?.aborted) {
      if (held) await drain(held);
      const ino = await inodeOf(base);
      if (held === null) {
        if (ino !== null) {
          held = waitingAfter !== null ? await advance(waitingAfter) : await openAt0(base);
          if (held !== null) continue;
        }
      } else if (ino !== null && ino !== held.f.ino) {
        held = await catchUp(held);
        continue;
      } else if (ino !== null && (await held.f.fh.stat()).size < held.offset) {
        // Truncated in place (not by Vigil): start over at its beginning.
        held.offset = 0;
        lines.reset();
        continue;
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, opts.pollMs ?? 250);
        function done(): void {
          clearTimeout(t);
          wake = null;
          signal?.removeEventListener('abort', done);
          resolve();
        }
        wake = done;
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  } finally {
    watcher?.close();
    await held?.f.fh.close().catch(() => undefined);
  }
}

async function openAt0(base: string): Promise<Held | null> {
  const f = await openIfExists(base);
  return f ? { f, offset: 0 } : null;
}

/** The rotated file with this inode, opened; null when it is gone. */
async function findRotated(base: string, ino: number): Promise<OpenLogFile | null> {
  for (const n of await rotatedNumbers(base)) {
    if ((await inodeOf(`${base}.${n}`)) !== ino) continue;
    const f = await openIfExists(`${base}.${n}`);
    if (f && f.ino === ino) return f;
    await f?.fh.close();
  }
  return null;
}
