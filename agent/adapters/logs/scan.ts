/**
 * Reading a file backwards in regions of whole lines, so the cost of finding the last lines or the most
 * recent matches depends on what is read, never on the file's size.
 */
import type { FileHandle } from 'node:fs/promises';

export interface ScanOptions {
  /** First read size; each further read doubles, up to maxChunk. */
  firstChunk?: number;
  maxChunk?: number;
}

/**
 * Calls `visit(buf, start, end)` for consecutive regions of `fh` from byte `size` back to 0. Each region
 * buf[start, end) holds whole lines with their newlines, except that the very last line of the file may
 * lack its newline. Regions come newest first. `visit` returns false to stop. Returns the bytes read.
 */
export async function scanBackward(
  fh: FileHandle,
  size: number,
  visit: (buf: Buffer, start: number, end: number) => boolean | Promise<boolean>,
  opts: ScanOptions = {},
): Promise<number> {
  const maxChunk = opts.maxChunk ?? 4 * 1024 * 1024;
  let chunk = Math.min(opts.firstChunk ?? 64 * 1024, maxChunk);
  let buf = Buffer.allocUnsafe(chunk * 2);
  let pos = size;
  /** Bytes at buf[carryAt, carryAt + carryLen): the start of a line cut by the previous read. */
  let carry: Buffer | null = null;
  let read = 0;
  while (pos > 0) {
    const len = Math.min(chunk, pos);
    const from = pos - len;
    const total: number = len + (carry?.length ?? 0);
    if (buf.length < total) buf = Buffer.allocUnsafe(Math.max(total, buf.length * 2));
    let got = 0;
    while (got < len) {
      const { bytesRead } = await fh.read(buf, got, len - got, from + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    read += got;
    if (got < len) buf.fill(0x0a, got, len); // the file shrank under us: never hand out stale bytes
    if (carry) carry.copy(buf, len);
    pos = from;
    let start = 0;
    if (pos > 0) {
      // The bytes before the first newline belong to a line that starts in an earlier region.
      const nl = buf.indexOf(0x0a);
      if (nl === -1 || nl >= total) {
        carry = Buffer.from(buf.subarray(0, total));
        chunk = Math.min(chunk * 2, maxChunk);
        continue;
      }
      start = nl + 1;
    }
    const keepGoing = start < total ? await visit(buf, start, total) : true;
    carry = pos > 0 ? Buffer.from(buf.subarray(0, start)) : null;
    if (!keepGoing) return read;
    chunk = Math.min(chunk * 2, maxChunk);
  }
  return read;
}
