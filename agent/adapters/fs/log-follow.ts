/**
 * Following a log file like `tail -F`: new bytes as they are appended, reopening when the file is
 * replaced (rotation: new inode) or truncated (size < offset). Polls by stat, woken early by fs.watch.
 */
import { open, stat } from 'node:fs/promises';
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

export interface FollowOptions {
  /** Start offset; default: the current end of the file. */
  from?: number;
  pollMs?: number;
  signal?: AbortSignal;
}

export async function followFile(file: string, onLines: (lines: string[]) => void, opts: FollowOptions = {}): Promise<void> {
  let ino: number | null = null;
  let offset = opts.from ?? (await stat(file).then((s) => ((ino = s.ino), s.size)).catch(() => 0));
  let partial = '';
  let wake: (() => void) | null = null;
  let watcher: FSWatcher | null;
  try {
    watcher = watch(path.dirname(file), () => wake?.());
  } catch {
    watcher = null;
  }
  try {
    while (!opts.signal?.aborted) {
      const st = await stat(file).catch(() => null);
      if (st) {
        if ((ino !== null && st.ino !== ino) || st.size < offset) {
          offset = 0;
          partial = '';
        }
        ino = st.ino;
        if (st.size > offset) {
          const fh = await open(file, 'r');
          try {
            const buf = Buffer.allocUnsafe(st.size - offset);
            const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
            offset += bytesRead;
            const text = partial + buf.subarray(0, bytesRead).toString('utf8');
            const lines = text.split('\n');
            partial = lines.pop() ?? '';
            if (lines.length > 0) onLines(lines);
          } finally {
            await fh.close();
          }
        }
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, opts.pollMs ?? 250);
        function done() {
          clearTimeout(t);
          wake = null;
          opts.signal?.removeEventListener('abort', done);
          resolve();
        }
        wake = done;
        opts.signal?.addEventListener('abort', done, { once: true });
      });
    }
  } finally {
    watcher?.close();
  }
}
