/**
 * Reads a service log from a persisted cursor across rotation by rename (FILE → FILE.1 → … → FILE.K,
 * newest first, the oldest deleted) and truncation, by open descriptor and inode, never by re-opening a name:
 *
 *  - Every file from the cursor's on is held open, oldest first (the "chain"). A file is read through its
 *    descriptor to its end, so a rotation between two reads changes nothing, and a file deleted because it
 *    was rotated beyond `keep` is still read to its end. Descriptors are closed once a committed cursor has
 *    moved past their file (`committed`), so a failed transaction can re-read from the older cursor.
 *  - Newer files are looked for at every read and found by walking the names newest first (FILE, FILE.1,
 *    …), opening each and taking its inode from the descriptor, until a file already held: rotation only
 *    moves a file to a higher number, so a rotation during the walk shows up as an inode already seen, never
 *    as a file skipped; a walk during which FILE itself was replaced is done again (see `walk`).
 *  - A cursor from the database (an agent restart) is found the same way, by inode and by the hash of its
 *    first line (an inode number can be reused once its file is deleted). When it is gone (rotated away while
 *    the agent was down), reading goes on from the oldest file there is and the chunk says so (`gap`).
 *    Without a cursor (a log never read), reading starts at the oldest file.
 *  - The reader moves to the next file only once that file has content, and reads the old one to its end
 *    after seeing it: a writer that appends to the renamed file until it reopens loses nothing.
 *  - Chunks are read into buffers the reader keeps (up to SPARE_BUFFERS of them) once their chunk is
 *    `release`d: a fresh 64 KiB buffer per chunk is memory outside V8's heap that only a full collection
 *    frees, and ingesting a busy log piled up ~40 of them (2.6 MB) between collections, and fragmented the
 *    allocator's heap (test/bench/RESULTS-usage.md §5).
 */
import { open as fsOpen, readdir as fsReaddir, stat as fsStat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { VigilError } from '../../core/errors.js';
import type { LogChunk, LogCursor, UsageLogReader } from '../../ports/usage-sources.js';

const HEAD_BYTES = 4096;
const NL = 0x0a;
/** Descriptors of a log not read for this long are closed (a removed service, a changed path). */
const IDLE_MS = 10 * 60_000;
/** Walks over the names redone because of a rotation during them, before giving up until the next read. */
const MAX_WALKS = 50;
/**
 * Released read buffers kept for the next reads: the ingester has at most three chunks in flight (one read,
 * one parsed, one committed), and releases each once parsed.
 */
export const SPARE_BUFFERS = 4;

/** The file system calls the reader makes (tests inject rotations between them). */
export interface ReaderFs {
  open(p: string): Promise<FileHandle>;
  /** Inode of a name, following symlinks; throws ENOENT when it is not there. */
  stat(p: string): Promise<{ ino: number; isFile(): boolean }>;
  readdir(dir: string): Promise<string[]>;
}

const nodeFs: ReaderFs = {
  open: (p) => fsOpen(p, 'r'),
  stat: (p) => fsStat(p),
  readdir: (d) => fsReaddir(d),
};

interface Held {
  fh: FileHandle;
  ino: number;
  /** `<inode>-<hash of the first line>`, once the file has one. */
  id: string | null;
}

interface Follow {
  /** Oldest first: the cursor's file (or an older one not yet released), then every newer file seen. */
  chain: Held[];
  usedAt: number;
  /** A loss noticed by a read that returned no chunk, said by the next chunk. */
  gap: string | null;
}

/** FNV-1a (32 bit) of a byte range, in base 36. */
function fnv(buf: Buffer, end: number): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return (h >>> 0).toString(36);
}

const isMissing = (err: unknown) => ['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '');

export class FileUsageLogReader implements UsageLogReader {
  private readonly follows = new Map<string, Follow>();
  private readonly busy = new Map<string, Promise<unknown>>();
  /** Released buffers, each of the size the last reads asked for. */
  private spare: Buffer[] = [];
  /** The buffers of chunks handed out and not yet released. */
  private readonly lent = new WeakMap<Uint8Array, Buffer>();

  constructor(
    private readonly fs: ReaderFs = nodeFs,
    private readonly now: () => number = Date.now,
  ) {}

  /** Descriptors held (tests). */
  heldCount(file: string): number {
    return this.follows.get(file)?.chain.length ?? 0;
  }

  read(file: string, cursor: LogCursor | null, maxBytes: number): Promise<LogChunk | null> {
    // One read of a log at a time: a read changes the chain the next one starts from.
    const run = (this.busy.get(file) ?? Promise.resolve()).then(() => this.readNow(file, cursor, maxBytes));
    const tail = run.catch(() => undefined);
    this.busy.set(file, tail);
    void tail.then(() => {
      if (this.busy.get(file) === tail) this.busy.delete(file);
    });
    return run;
  }

  private async readNow(file: string, cursor: LogCursor | null, maxBytes: number): Promise<LogChunk | null> {
    await this.closeIdle(file);
    const f = this.follows.get(file) ?? { chain: [], usedAt: 0, gap: null };
    this.follows.set(file, f);
    f.usedAt = this.now();
    let at = cursor === null ? -1 : f.chain.findIndex((h) => h.ino === cursor.ino); // a held inode is never reused
    let offset = cursor?.offset ?? 0;
    let partial = cursor?.partial ?? false;
    let gap = f.gap;
    if (at === -1) {
      const found = await this.rebuild(f, file, cursor);
      if (f.chain.length === 0) return null;
      if (found === -1) {
        // Rotated away (or truncated and rewritten) while it was not being read. Its inode number may already
        // belong to a newer file, so only the inode and first line together say it is the cursor's file.
        if (cursor !== null) {
          gap ??= `the file it was being read from (inode ${cursor.ino}) is gone, rotated away or rewritten while it was not being read: what it held after byte ${cursor.offset} is lost`;
        }
        at = 0;
        offset = 0;
        partial = false;
      } else at = found;
    }
    if (cursor !== null && offset > 0) {
      // The cursor's file, truncated or rewritten in place (same inode, another first line): from its start.
      const h = f.chain[at]!;
      const id = await this.idOf(h, at === f.chain.length - 1);
      if ((await h.fh.stat()).size < offset || (id !== null && id !== cursor.fileId)) {
        offset = 0;
        partial = false;
      }
    }
    // Files rotated since the last read are opened now, so none can be rotated away unseen while this one is read.
    gap ??= await this.extend(f, file);
    for (;;) {
      const h = f.chain[at]!;
      // A newer file has content, so this one's writer has moved on: it is complete; read it to its real end
      // (its size taken after that check). Newer files that are empty (rotated before a line was written) are
      // passed over the same way.
      const complete = await this.newerHasContent(f, at);
      const size = (await h.fh.stat()).size;
      const chunk = await this.readFrom(h, offset, partial, size, complete, maxBytes);
      if (chunk) {
        f.gap = null;
        return { ...chunk, gap };
      }
      if (!complete) {
        f.gap = gap;
        return null;
      }
      at++;
      offset = 0;
      partial = false;
    }
  }

  private async newerHasContent(f: Follow, at: number): Promise<boolean> {
    for (const h of f.chain.slice(at + 1)) if ((await h.fh.stat()).size > 0) return true;
    return false;
  }

  /** A cursor is stored: the files before its file are no longer needed. */
  committed(file: string, cursor: LogCursor): void {
    const f = this.follows.get(file);
    if (!f) return;
    const at = f.chain.findIndex((h) => h.ino === cursor.ino);
    if (at <= 0) return;
    for (const h of f.chain.splice(0, at)) void h.fh.close().catch(() => undefined);
  }

  release(chunk: LogChunk): void {
    const buf = this.lent.get(chunk.data);
    if (buf === undefined) return; // released already, or not one of ours
    this.lent.delete(chunk.data);
    this.keep(buf);
  }

  private keep(buf: Buffer): void {
    if (this.spare.length < SPARE_BUFFERS && !this.spare.includes(buf)) this.spare.push(buf);
  }

  /** A buffer of `size` bytes: a released one, else a new one. */
  private buffer(size: number): Buffer {
    this.spare = this.spare.filter((b) => b.length === size); // the chunk size changed: let the old ones go
    return this.spare.pop() ?? Buffer.allocUnsafe(size);
  }

  async close(): Promise<void> {
    this.spare = [];
    const all = [...this.follows.values()].flatMap((f) => f.chain);
    this.follows.clear();
    await Promise.all(all.map((h) => h.fh.close().catch(() => undefined)));
  }

  private async closeIdle(except: string): Promise<void> {
    const now = this.now();
    for (const [file, f] of this.follows) {
      if (file === except || now - f.usedAt < IDLE_MS) continue;
      this.follows.delete(file);
      await Promise.all(f.chain.map((h) => h.fh.close().catch(() => undefined)));
    }
  }

  /** The file's identity; `recheck` reads the head again (the live file can be truncated and rewritten). */
  private async idOf(h: Held, recheck: boolean): Promise<string | null> {
    if (h.id !== null && !recheck) return h.id;
    const buf = Buffer.allocUnsafe(HEAD_BYTES);
    const { bytesRead } = await h.fh.read(buf, 0, HEAD_BYTES, 0);
    if (bytesRead === 0) return h.id;
    const nl = buf.subarray(0, bytesRead).indexOf(NL);
    const id = `${h.ino.toString(36)}-${fnv(buf, nl === -1 ? bytesRead : nl)}`;
    // Kept once the first line is whole (or 4 KB long); before that it can still change.
    if (nl !== -1 || bytesRead === HEAD_BYTES) h.id = id;
    return id;
  }

  /**
   * Opens the log's files newest first (FILE, FILE.1, FILE.2 …) until `stop` says a file is the one wanted;
   * returns them newest first (the last one is the one `stop` accepted, if any).
   *
   * Rotation only moves a file to a higher number, and the walk goes up too, so no file that exists
   * throughout is missed, and a file met twice (it moved up meanwhile) is skipped by its inode. But a file
   * created during the walk can be moved up to a name not yet visited and met after older ones: so a walk
   * counts only if FILE is still the file it opened first (a held file never gets its name back, and its
   * inode number cannot be reused while it is open); otherwise it is done again.
   */
  private async walk(
    file: string,
    stop: (h: Held) => Promise<boolean>,
  ): Promise<{ files: Held[]; found: boolean }> {
    for (let attempt = 1; ; attempt++) {
      const r = await this.walkOnce(file, stop);
      if ((await this.inoOf(file)) === r.first) return r;
      await Promise.all(r.files.map((h) => h.fh.close().catch(() => undefined)));
      if (attempt === MAX_WALKS)
        throw new VigilError(
          'E_IO',
          `${file} was rotated during each of ${MAX_WALKS} attempts to list its files; trying again later`,
        );
    }
  }

  private async inoOf(p: string): Promise<number | null> {
    try {
      return (await this.fs.stat(p)).ino;
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  private async walkOnce(
    file: string,
    stop: (h: Held) => Promise<boolean>,
  ): Promise<{ files: Held[]; found: boolean; first: number | null }> {
    const files: Held[] = [];
    const seen = new Set<number>();
    const names = [file, ...(await this.rotatedNames(file))];
    let first: number | null = null;
    const hold = async (name: string): Promise<'missing' | 'found' | 'more'> => {
      let fh: FileHandle;
      try {
        fh = await this.fs.open(name);
      } catch (err) {
        if (isMissing(err)) return 'missing';
        throw err;
      }
      const st = await fh.stat().catch(async (err: unknown) => {
        await fh.close();
        throw err;
      });
      if (name === file) first = st.ino;
      if (!st.isFile() || seen.has(st.ino)) {
        await fh.close();
        return 'more';
      }
      seen.add(st.ino);
      const h: Held = { fh, ino: st.ino, id: null };
      files.push(h);
      return (await stop(h)) ? 'found' : 'more';
    };
    try {
      for (const name of names) if ((await hold(name)) === 'found') return { files, found: true, first };
      // Rotations during the walk moved files past the highest number listed: follow them up.
      for (let n = names.length === 1 ? 1 : Number(names.at(-1)!.slice(file.length + 1)) + 1; ; n++) {
        const r = await hold(`${file}.${n}`);
        if (r === 'found') return { files, found: true, first };
        if (r === 'missing') return { files, found: false, first };
      }
    } catch (err) {
      await Promise.all(files.map((h) => h.fh.close().catch(() => undefined))); // an unreadable file: none kept
      throw err;
    }
  }

  /** FILE.1 … FILE.K that exist now, ascending (gaps allowed). */
  private async rotatedNames(file: string): Promise<string[]> {
    const prefix = `${path.basename(file)}.`;
    let names: string[];
    try {
      names = await this.fs.readdir(path.dirname(file));
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
    const nums: number[] = [];
    for (const n of names)
      if (n.startsWith(prefix) && /^[1-9]\d{0,5}$/.test(n.slice(prefix.length)))
        nums.push(Number(n.slice(prefix.length)));
    return nums.sort((a, b) => a - b).map((n) => `${file}.${n}`);
  }

  /** The chain again from the names: the cursor's file (or, without one, the oldest) and every newer file. */
  private async rebuild(f: Follow, file: string, cursor: LogCursor | null): Promise<number> {
    await Promise.all(f.chain.map((h) => h.fh.close().catch(() => undefined)));
    f.chain = [];
    const { files, found } = await this.walk(
      file,
      async (h) => cursor !== null && h.ino === cursor.ino && (await this.idOf(h, false)) === cursor.fileId,
    );
    f.chain = files.reverse();
    return found ? 0 : -1;
  }

  /** Appends the files newer than the newest held one; a gap when that one is no longer among the names. */
  private async extend(f: Follow, file: string): Promise<string | null> {
    const last = f.chain.at(-1)!;
    try {
      if ((await this.fs.stat(file)).ino === last.ino) return null; // still the live file: nothing newer
    } catch (err) {
      if (isMissing(err)) return null; // renamed, its successor not created yet
      throw err;
    }
    const { files, found } = await this.walk(file, async (h) => h.ino === last.ino);
    if (found) void files.pop()!.fh.close(); // the newest held one, opened again
    f.chain.push(...files.reverse());
    // The newest held file is no longer among the names: deleted by a rotation past `keep` (it is still read
    // to its end through its descriptor). With rotated files there, the ones between it and the oldest left
    // may have gone unread. A single new file is `keep: 0` (or a rotation to another name): nothing to say.
    if (found || files.length <= 1) return null;
    return 'the log was rotated more than "keep" times between two reads: files rotated away in between, if there were any, are lost';
  }

  /**
   * Lines of `h` from `offset` up to `size`: up to the last newline of at most maxBytes. A complete file (its
   * writer has moved on) will not grow, so its unterminated last line is complete.
   */
  private async readFrom(
    h: Held,
    offset: number,
    partial: boolean,
    size: number,
    complete: boolean,
    maxBytes: number,
  ): Promise<LogChunk | null> {
    if (size <= offset) return null;
    const fileId = await this.idOf(h, false);
    if (fileId === null) return null;
    const whole = this.buffer(maxBytes);
    let buf = whole;
    try {
      buf = buf.subarray(0, (await h.fh.read(whole, 0, Math.min(maxBytes, size - offset), offset)).bytesRead);
    } catch (err) {
      this.keep(whole);
      throw err;
    }
    const atEnd = offset + buf.length >= size;
    let end = buf.lastIndexOf(NL) + 1; // bytes of complete lines
    if (complete && atEnd) end = buf.length;
    let start = 0;
    let nextPartial = false;
    if (partial) {
      const nl = buf.indexOf(NL);
      start = nl === -1 ? buf.length : nl + 1;
    }
    if (end <= start) {
      // No newline in a full buffer: an over-long line; skip it (it cannot be a usage event we can read).
      if (buf.length < maxBytes) {
        this.keep(whole);
        return null;
      }
      end = buf.length;
      start = end;
      nextPartial = true;
    }
    const data = buf.subarray(start, end);
    this.lent.set(data, whole);
    return {
      data,
      offset: offset + start,
      fileId,
      next: { ino: h.ino, offset: offset + end, fileId, partial: nextPartial },
      gap: null,
    };
  }
}
