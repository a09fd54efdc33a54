/** Reading the end of a log file by seeking from the end: cost depends on N, never on the file size. */
import { open } from 'node:fs/promises';

const CHUNK = 64 * 1024;

/** The last `n` lines of a file (without trailing newline); [] if the file does not exist. */
export async function tailLines(file: string, n: number): Promise<string[]> {
  if (n <= 0) return [];
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  try {
    const { size } = await fh.stat();
    const chunks: Buffer[] = [];
    let pos = size;
    let newlines = 0;
    // Need n+1 newlines to be sure the first kept line is whole (the last byte may be a newline itself).
    while (pos > 0 && newlines <= n) {
      const len = Math.min(CHUNK, pos);
      pos -= len;
      const buf = Buffer.allocUnsafe(len);
      const { bytesRead } = await fh.read(buf, 0, len, pos);
      const part = buf.subarray(0, bytesRead);
      for (let i = 0; i < part.length; i++) if (part[i] === 0x0a) newlines++;
      chunks.unshift(part);
    }
    let text = Buffer.concat(chunks).toString('utf8');
    if (text.endsWith('\n')) text = text.slice(0, -1);
    if (text === '') return [];
    const lines = text.split('\n');
    return lines.slice(Math.max(0, lines.length - n));
  } finally {
    await fh.close();
  }
}
