/**
 * Reads a service log from a persisted cursor, `tail -F` style: by inode and size, across rotation by
 * rename (FILE → FILE.1 → … → FILE.K, newest first) and truncation. When the cursor's file was rotated away,
 * the rest of it is read first (where it is now, found by inode), then each newer file from its start.
 * Chunks are returned as bytes (whole lines), so a parsing worker can take them without a copy.
 */
import { open, stat } from 'node:fs/promises';
import type { LogChunk, LogCursor, LogReader } from '../../ports/usage-sources.js';
import { rotatedNumbers } from '../logs/files.js';

const HEAD_BYTES = 4096;
const NL = 0x0a;

interface FileAt {
  path: string;
  ino: number;
  size: number;
}

/** FNV-1a (32 bit) of a byte range, in base 36. */
function fnv(buf: Buffer, end: number): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return (h >>> 0).toString(36);
}

async function statAt(p: string): Promise<FileAt | null> {
  try {
    const s = await stat(p);
    return s.isFile() ? { path: p, ino: s.ino, size: s.size } : null;
  } catch {
    return null;
  }
}

/** The rotated siblings FILE.1 … FILE.K that exist, newest (lowest number) first. */
async function rotated(file: string): Promise<FileAt[]> {
  let nums: number[];
  try {
    nums = await rotatedNumbers(file);
  } catch {
    return []; // unreadable directory: the current file alone
  }
  const out: FileAt[] = [];
  for (const n of nums) {
    const f = await statAt(`${file}.${n}`);
    if (f) out.push(f);
  }
  return out;
}

export class FileLogReader implements LogReader {
  async read(file: string, cursor: LogCursor | null, maxBytes: number): Promise<LogChunk | null> {
    const live = await statAt(file);
    if (cursor === null) return live ? this.readFrom(live, 0, null, false, true, maxBytes) : null;
    if (live && live.ino === cursor.ino) {
      const id = await this.fileId(live);
      // Truncated, or replaced in place (same inode, other first line): start over.
      if (live.size < cursor.offset || (id !== null && id !== cursor.fileId)) return this.readFrom(live, 0, id, false, true, maxBytes);
      return this.readFrom(live, cursor.offset, cursor.fileId, cursor.partial, true, maxBytes);
    }
    // The cursor's file is no longer the live one: it was rotated (or deleted).
    const chain = [...(await rotated(file)).reverse(), ...(live ? [live] : [])]; // oldest first
    const at = chain.findIndex((f) => f.ino === cursor.ino);
    if (at !== -1) {
      const old = chain[at]!;
      if (old.size > cursor.offset) return this.readFrom(old, cursor.offset, cursor.fileId, cursor.partial, old === live, maxBytes);
    }
    // Done with it (or it is gone): the next newer file, from its start. The cursor moves only when that
    // file has a line to read, so a rotated file keeps being read while the new live file is still empty
    // (a writer that has not reopened yet is still appending to the old one).
    if (!live) return null;
    const next = at === -1 ? chain[0]! : chain[at + 1];
    if (!next) return null;
    return this.readFrom(next, 0, null, false, next === live, maxBytes);
  }

  /** `<inode>-<hash of the first line>` (or of the first 4 KB), null for an empty file. */
  private async fileId(f: FileAt): Promise<string | null> {
    if (f.size === 0) return null;
    const fh = await open(f.path, 'r');
    try {
      const buf = Buffer.allocUnsafe(Math.min(HEAD_BYTES, f.size));
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      const nl = buf.subarray(0, bytesRead).indexOf(NL);
      return `${f.ino.toString(36)}-${fnv(buf, nl === -1 ? bytesRead : nl)}`;
    } finally {
      await fh.close();
    }
  }

  /**
   * Lines of `f` from `offset`: up to the last newline of at most maxBytes. A file that is no longer live
   * will not grow, so its unterminated last line is complete.
   */
  private async readFrom(
    f: FileAt,
    offset: number,
    knownId: string | null,
    partial: boolean,
    isLive: boolean,
    maxBytes: number,
  ): Promise<LogChunk | null> {
    if (f.size <= offset) return null;
    const fileId = knownId ?? (await this.fileId(f));
    if (fileId === null) return null;
    const fh = await open(f.path, 'r');
    let buf: Buffer;
    try {
      buf = Buffer.allocUnsafe(Math.min(maxBytes, f.size - offset));
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      buf = buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
    const atEnd = offset + buf.length >= f.size;
    let end = buf.lastIndexOf(NL) + 1; // bytes of complete lines
    if (!isLive && atEnd) end = buf.length;
    let start = 0;
    let nextPartial = false;
    if (partial) {
      const nl = buf.indexOf(NL);
      start = nl === -1 ? buf.length : nl + 1;
    }
    if (end <= start) {
      // No newline in a full buffer: an over-long line; skip it (it cannot be a usage event we can read).
      if (buf.length < maxBytes) return null;
      end = buf.length;
      start = end;
      nextPartial = true;
    }
    return { data: buf.subarray(start, end), offset: offset + start, fileId, next: { ino: f.ino, offset: offset + end, fileId, partial: nextPartial } };
  }
}
