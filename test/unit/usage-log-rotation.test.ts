/**
 * The usage log reader under rotation races, on a real temporary directory: rotations (the launcher's rename
 * chain FILE → FILE.1 → … → FILE.keep, the oldest deleted) injected between the reader's own file system calls,
 * several rotations between two reads, truncation, a file rotated away beyond `keep` while held or while not
 * read, and restarts from a stored cursor. Every line must come out once, in order.
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { FileUsageLogReader, type ReaderFs } from '../../agent/adapters/usage/log-reader.js';
import type { LogCursor } from '../../agent/ports/usage-sources.js';
import { mulberry32 } from '../helpers/crash.js';
import { tempDbPath } from '../helpers/temp-db.js';

/** Writes whole lines and rotates like vigil-launch (logfile.c): before a line that would pass maxBytes. */
class Writer {
  n = 0;
  rotations = 0;
  readonly written: string[] = [];
  constructor(
    readonly file: string,
    private readonly keep: number,
    private readonly maxBytes: number,
  ) {
    fs.writeFileSync(file, '');
  }

  rotate(): void {
    if (this.keep === 0) fs.unlinkSync(this.file);
    for (let i = this.keep; i >= 1; i--) {
      const from = i === 1 ? this.file : `${this.file}.${i - 1}`;
      if (fs.existsSync(from)) fs.renameSync(from, `${this.file}.${i}`);
    }
    fs.writeFileSync(this.file, '');
    this.rotations++;
  }

  line(pad = 0): void {
    const text = `line ${++this.n} ${'x'.repeat(pad)}`;
    const bytes = Buffer.byteLength(text) + 1;
    if (fs.statSync(this.file).size + bytes > this.maxBytes) this.rotate();
    fs.appendFileSync(this.file, `${text}\n`);
    this.written.push(text);
  }
}

/** A ReaderFs over the real one that runs `before(call)` ahead of each call: the place to rotate. */
function hookedFs(before: (call: string, p: string) => void): ReaderFs {
  return {
    open: async (p) => (before('open', p), open(p, 'r')),
    stat: async (p) => (before('stat', p), stat(p)),
    readdir: async (d) => (before('readdir', d), readdir(d)),
  };
}

/** Reads like the ingester: chunk after chunk, committing each, until nothing is new. */
async function drain(
  reader: FileUsageLogReader,
  file: string,
  from: LogCursor | null,
  out: string[],
  maxBytes = 64,
): Promise<LogCursor | null> {
  let cursor = from;
  for (;;) {
    const chunk = await reader.read(file, cursor, maxBytes);
    if (!chunk) return cursor;
    out.push(
      ...Buffer.from(chunk.data)
        .toString('utf8')
        .split('\n')
        .filter((l) => l !== ''),
    );
    cursor = chunk.next;
    reader.committed(file, cursor);
  }
}

let readers: FileUsageLogReader[] = [];
afterEach(async () => {
  await Promise.all(readers.map((r) => r.close()));
  readers = [];
});
const reader = (fsys?: ReaderFs) => {
  const r = new FileUsageLogReader(fsys);
  readers.push(r);
  return r;
};
const logFile = () => {
  const dir = path.join(path.dirname(tempDbPath()), 'logs');
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, 'svc.log');
};

describe('usage log reader: rotation by descriptor and inode', () => {
  it('a rotation between its stat of the live name and its reads loses nothing', async () => {
    const file = logFile();
    const w = new Writer(file, 5, 200);
    let armed = false;
    // Each time the reader looks at the live name, the writer first fills and rotates the file once more.
    const r = reader(
      hookedFs((call) => {
        if (!armed || call !== 'stat') return;
        armed = false;
        for (let i = 0; i < 12; i++) w.line(3);
      }),
    );
    const out: string[] = [];
    let cursor: LogCursor | null = null;
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 7; i++) w.line(5);
      armed = true;
      cursor = await drain(r, file, cursor, out);
    }
    await drain(r, file, cursor, out);
    assert.ok(w.rotations > 20, `rotations: ${w.rotations}`);
    assert.deepEqual(out, w.written);
  });

  it('rotations during its walk over FILE, FILE.1 … are neither missed nor read twice', async () => {
    const file = logFile();
    const w = new Writer(file, 8, 150);
    const rnd = mulberry32(7);
    let budget = 0;
    // At random calls (opens of rotated names included), up to `budget` rotations happen first.
    const r = reader(
      hookedFs(() => {
        if (budget > 0 && rnd() < 0.4) {
          budget--;
          for (let i = 0; i < 6; i++) w.line(4); // 6 lines of ~13 bytes: a rotation at most every 2 calls
          w.rotate();
        }
      }),
    );
    const out: string[] = [];
    let cursor: LogCursor | null = null;
    for (let round = 0; round < 60; round++) {
      for (let i = 0, k = Math.floor(rnd() * 20); i < k; i++) w.line(Math.floor(rnd() * 30));
      budget = 3; // fewer than keep between two reads: nothing may be lost
      cursor = await drain(r, file, cursor, out, 40 + Math.floor(rnd() * 100)); // ≥ the longest line
    }
    budget = 0;
    await drain(r, file, cursor, out);
    assert.ok(w.rotations > 100, `rotations: ${w.rotations}`);
    assert.deepEqual(out, w.written);
  });

  it('several rotations between two reads: the rest of the old file, then each newer file in order', async () => {
    const file = logFile();
    const w = new Writer(file, 10, 100);
    const r = reader();
    const out: string[] = [];
    for (let i = 0; i < 3; i++) w.line();
    let cursor = await drain(r, file, null, out);
    for (let i = 0; i < 40; i++) w.line(10); // several rotations
    assert.ok(w.rotations >= 5);
    cursor = await drain(r, file, cursor, out);
    assert.deepEqual(out, w.written);
    assert.equal(r.heldCount(file), 1, 'files read past are let go once committed');
    // A new reader (the agent restarted) from the stored cursor, after more rotations: exact again.
    for (let i = 0; i < 40; i++) w.line(10);
    await drain(reader(), file, cursor, out);
    assert.deepEqual(out, w.written);
  });

  it('a file rotated beyond keep while it is held open is still read to its end', async () => {
    const file = logFile();
    const w = new Writer(file, 2, 60);
    const r = reader();
    const out: string[] = [];
    w.line();
    const cursor = await drain(r, file, null, out);
    // The reader holds the live file; 8 rotations with keep 2 delete it (and files it has never seen).
    for (let i = 0; i < 30; i++) w.line(8);
    assert.ok(w.rotations >= 8);
    const first = await r.read(file, cursor, 1 << 20);
    assert.ok(first, 'the held, deleted file still has its lines');
    assert.match(first.gap ?? '', /rotated more than "keep" times/);
    out.push(...Buffer.from(first.data).toString().split('\n').filter(Boolean));
    await drain(r, file, first.next, out);
    const lost = w.written.filter((l) => !out.includes(l));
    // Only files never opened (created and deleted between two reads) can be lost; the held one is not.
    assert.deepEqual(
      out.slice(0, w.written.indexOf(lost[0]!)),
      w.written.slice(0, w.written.indexOf(lost[0]!)),
    );
    assert.ok(out.includes('line 2 xxxxxxxx') && out.at(-1) === w.written.at(-1));
    assert.equal(new Set(out).size, out.length, 'nothing twice');
  });

  it('keep: 0 (each rotation deletes the file): the held file is read to its end, then the new one, no loss said', async () => {
    const file = logFile();
    const w = new Writer(file, 0, 60);
    const r = reader();
    const out: string[] = [];
    w.line();
    const cursor = await drain(r, file, null, out);
    for (let i = 0; i < 4; i++) w.line(8); // the held file is deleted and a new one made, once
    assert.equal(w.rotations, 1);
    const chunk = await r.read(file, cursor, 1 << 20);
    assert.equal(chunk?.gap, null);
    out.push(...Buffer.from(chunk!.data).toString().split('\n').filter(Boolean));
    await drain(r, file, chunk!.next, out);
    assert.deepEqual(out, w.written);
  });

  it('a stored cursor whose file is gone: reading goes on from the oldest file, and says lines were lost', async () => {
    const file = logFile();
    const w = new Writer(file, 2, 60);
    const out: string[] = [];
    for (let i = 0; i < 3; i++) w.line();
    const r = reader();
    const cursor = await drain(r, file, null, out);
    await r.close(); // the agent is down ...
    for (let i = 0; i < 30; i++) w.line(8); // ... while its file is rotated away
    const chunk = await reader().read(file, cursor, 1 << 20);
    assert.ok(chunk);
    assert.match(chunk.gap ?? '', new RegExp(`inode ${cursor!.ino}\\) is gone`));
    const oldest = fs.readFileSync(`${file}.2`, 'utf8');
    assert.equal(Buffer.from(chunk.data).toString(), oldest, 'from the start of the oldest file there is');
  });

  it('a stored cursor in a rotated file resumes exactly there (an agent killed with kill -9)', async () => {
    const file = logFile();
    const w = new Writer(file, 20, 120);
    for (let i = 0; i < 50; i++) w.line(4);
    const out: string[] = [];
    const r = reader();
    // Committed up to the middle of the oldest file, then killed (the reader's state is gone).
    const first = await r.read(file, null, 40);
    out.push(...Buffer.from(first!.data).toString().split('\n').filter(Boolean));
    for (let i = 0; i < 30; i++) w.line(4); // more rotations while it is down
    await drain(reader(), file, first!.next, out, 50);
    assert.deepEqual(out, w.written);
  });

  it('truncated in place (copytruncate) or rewritten: read from its start again', async () => {
    const file = logFile();
    fs.writeFileSync(file, 'a1\na2\na3\n');
    const r = reader();
    const out: string[] = [];
    let cursor = await drain(r, file, null, out);
    fs.truncateSync(file, 0);
    fs.appendFileSync(file, 'b1\n');
    cursor = await drain(r, file, cursor, out);
    fs.writeFileSync(file, 'c1 longer than before\nc2\n'); // same inode, other content, past the cursor
    cursor = await drain(r, file, cursor, out);
    assert.deepEqual(out, ['a1', 'a2', 'a3', 'b1', 'c1 longer than before', 'c2']);
    // The same after a restart: a cursor past the end of a truncated file.
    fs.truncateSync(file, 0);
    fs.appendFileSync(file, 'd1\n');
    await drain(reader(), file, cursor, out);
    assert.deepEqual(out.slice(-1), ['d1']);
  });

  it('a stored cursor whose inode now belongs to another file (inode reuse) is not read at its offset', async () => {
    const file = logFile();
    fs.writeFileSync(file, 'new file, first line\nsecond\n');
    const ino = fs.statSync(file).ino;
    const stale: LogCursor = { ino, offset: 12, fileId: `${ino.toString(36)}-otherfile`, partial: false };
    const r = reader();
    const first = await r.read(file, stale, 1 << 20);
    assert.match(first?.gap ?? '', /is gone/);
    const out = Buffer.from(first!.data).toString().split('\n').filter(Boolean);
    await drain(r, file, first!.next, out);
    assert.deepEqual(out, ['new file, first line', 'second']);
  });

  it('stays on a rotated file until the next has content; reads a late write to the old inode', async () => {
    const file = logFile();
    fs.writeFileSync(file, 'one\n');
    const r = reader();
    const out: string[] = [];
    let cursor = await drain(r, file, null, out);
    fs.renameSync(file, `${file}.1`);
    fs.writeFileSync(file, '');
    fs.appendFileSync(`${file}.1`, 'two\nthree, unterminated');
    cursor = await drain(r, file, cursor, out);
    assert.deepEqual(out, ['one', 'two'], 'an unterminated line of a file that may still grow waits');
    fs.appendFileSync(`${file}.1`, ' until now\n');
    fs.appendFileSync(file, 'four\n');
    await drain(r, file, cursor, out);
    assert.deepEqual(out, ['one', 'two', 'three, unterminated until now', 'four']);
  });

  it('without a cursor: every file there is, oldest first', async () => {
    const file = logFile();
    const w = new Writer(file, 5, 50);
    for (let i = 0; i < 20; i++) w.line(3);
    assert.ok(w.rotations >= 3, `rotations: ${w.rotations}`);
    const out: string[] = [];
    await drain(reader(), file, null, out);
    assert.deepEqual(out, w.written);
  });
});
