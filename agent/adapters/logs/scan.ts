/**
 * Reading a file backwards in regions of whole lines, so the cost of finding the last lines or the most
 * recent matches depends on what is read, never on the file's size.
 *
 * Reads are synchronous, in regions of at most `maxChunk` (256 KiB by default: the copy out of the page
 * cache and the scan then stay in the CPU cache, which measured faster than larger or asynchronous reads),
 * and the scan yields to the event loop after every YIELD_BYTES read, so a long search never stalls the
 * agent for more than a moment.
 */
import { readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

export interface ScanOptions {
  /** First read size; each further read doubles, up to maxChunk. */
  firstChunk?: number;
  maxChunk?: number;
}

/** Room kept after a region for the start of a line cut by the previous read. */
const SLACK = 64 * 1024;
const YIELD_BYTES = 4 * 1024 * 1024;

function readFully(fd: number, buf: Buffer, len: number, from: number): number {
  let got = 0;
  while (got < len) {
    const n = readSync(fd, buf, got, len - got, from + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

/**
 * Calls `visit(buf, start, end)` for consecutive regions of `fh` from byte `size` back to 0. Each region
 * buf[start, end) holds whole lines with their newlines, except that the very last line of the file may
 * lack its newline. Regions come newest first; `buf` is reused afterwards (copy what you keep). `visit`
 * returns false to stop. Returns the bytes read.
 */
export async function scanBackward(
  fh: FileHandle,
  size: number,
  visit: (buf: Buffer, start: number, end: number) => boolean | Promise<boolean>,
  opts: ScanOptions = {},
): Promise<number> {
  const maxChunk = opts.maxChunk ?? 256 * 1024;
  let chunk = Math.min(opts.firstChunk ?? 64 * 1024, maxChunk);
  let buf = Buffer.allocUnsafe(chunk + SLACK);
  let pos = size;
  /** The start of a line cut by the previous region (bytes up to and including its first newline). */
  let carry: Buffer | null = null;
  let read = 0;
  let sinceYield = 0;
  while (pos > 0) {
    const len = Math.min(chunk, pos);
    pos -= len;
    chunk = Math.min(chunk * 2, maxChunk);
    const total: number = len + (carry?.length ?? 0);
    if (buf.length < total) buf = Buffer.allocUnsafe(Math.max(total, chunk) + SLACK);
    const got = readFully(fh.fd, buf, len, pos);
    if (got < len) buf.fill(0x0a, got, len); // the file shrank under us: never hand out stale bytes
    read += got;
    if (carry) carry.copy(buf, len);
    let start = 0;
    if (pos > 0) {
      // The bytes before the first newline belong to a line that starts in an earlier region.
      const nl = buf.subarray(0, total).indexOf(0x0a);
      if (nl === -1) {
        carry = Buffer.from(buf.subarray(0, total));
        continue;
      }
      start = nl + 1;
    }
    if (start < total && !(await visit(buf, start, total))) return read;
    carry = pos > 0 ? Buffer.from(buf.subarray(0, start)) : null;
    if ((sinceYield += got) >= YIELD_BYTES) {
      sinceYield = 0;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return read;
}
