import { after, before, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FileExitJournal, MAX_READ_BYTES, parseExitLine } from '../../agent/adapters/fs/exit-journal.js';

let dir: string;
let n = 0;
const fresh = () => path.join(dir, `exits-${++n}.log`);

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-exits-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('parseExitLine decodes exits, signals and core dumps', () => {
  assert.deepEqual(parseExitLine('1795729527.164110416 web exit-code exited 3', 40), {
    offset: 40,
    at: 1795729527_164,
    service: 'web',
    result: 'exit-code',
    how: 'exited',
    code: 3,
    signal: null,
  });
  assert.deepEqual(parseExitLine('1795729527.2 web signal killed KILL', 0), {
    offset: 0,
    at: 1795729527_200,
    service: 'web',
    result: 'signal',
    how: 'killed',
    code: null,
    signal: 'SIGKILL',
  });
  const dumped = parseExitLine('1795729527 db core-dump dumped SEGV', 7);
  assert.equal(dumped?.at, 1795729527_000);
  assert.equal(dumped?.how, 'dumped');
  assert.equal(dumped?.signal, 'SIGSEGV');
  const clean = parseExitLine('1795729527.000000001 db success exited 0', 0);
  assert.equal(clean?.how, 'exited');
  assert.equal(clean?.code, 0);
  assert.equal(clean?.result, 'success');
});

test('parseExitLine: "-" placeholders give an unknown exit', () => {
  assert.deepEqual(parseExitLine('1795729527.5 web - - -', 3), {
    offset: 3,
    at: 1795729527_500,
    service: 'web',
    result: 'unknown',
    how: 'unknown',
    code: null,
    signal: null,
  });
  const noStatus = parseExitLine('1795729527.5 web signal killed -', 0);
  assert.equal(noStatus?.how, 'killed');
  assert.equal(noStatus?.signal, null);
});

test('parseExitLine rejects malformed lines', () => {
  for (const bad of [
    '',
    'garbage',
    '1795729527.1 web exit-code exited',
    '1795729527.1 web exit-code exited 3 extra',
    'yesterday web exit-code exited 3',
    '1795729527.1 we/b exit-code exited 3',
    '-1 web exit-code exited 3',
  ]) {
    assert.equal(parseExitLine(bad, 0), null, bad);
  }
});

test('a missing file gives no records and keeps the offset', async () => {
  const j = new FileExitJournal(path.join(dir, 'nope', 'exits.log'));
  assert.deepEqual(await j.readSince(0), { records: [], next: 0 });
  assert.deepEqual(await j.readSince(123), { records: [], next: 123 });
});

test('reads whole lines only; a partial last line waits for the next read', async () => {
  const file = fresh();
  const l1 = '1795729527.100 web exit-code exited 3\n';
  const l2start = '1795729528.200 web signal kil';
  await writeFile(file, l1 + l2start);
  const j = new FileExitJournal(file);
  const first = await j.readSince(0);
  assert.equal(first.records.length, 1);
  assert.equal(first.records[0]!.offset, 0);
  assert.equal(first.next, Buffer.byteLength(l1));
  assert.deepEqual(await j.readSince(first.next), { records: [], next: first.next });
  await appendFile(file, 'led KILL\n');
  const second = await j.readSince(first.next);
  assert.equal(second.records.length, 1);
  assert.equal(second.records[0]!.offset, first.next);
  assert.equal(second.records[0]!.signal, 'SIGKILL');
  assert.equal(second.next, Buffer.byteLength(l1 + l2start + 'led KILL\n'));
  assert.deepEqual(await j.readSince(second.next), { records: [], next: second.next });
});

test('reads from the offset on, never before it', async () => {
  const file = fresh();
  const lines = [
    '1795729527.1 a exit-code exited 1\n',
    '1795729527.2 b exit-code exited 2\n',
    '1795729527.3 c exit-code exited 3\n',
  ];
  await writeFile(file, lines.join(''));
  const j = new FileExitJournal(file);
  const from = Buffer.byteLength(lines[0]!);
  const r = await j.readSince(from);
  assert.deepEqual(
    r.records.map((x) => [x.service, x.code, x.offset]),
    [
      ['b', 2, from],
      ['c', 3, from + Buffer.byteLength(lines[1]!)],
    ],
  );
});

test('malformed lines are skipped but the offset moves past them', async () => {
  const file = fresh();
  const content =
    'oops not a record\n1795729527.1 web exit-code exited 3\n\n1795729527.2 web  signal killed TERM\n';
  await writeFile(file, content);
  const r = await new FileExitJournal(file).readSince(0);
  assert.deepEqual(
    r.records.map((x) => [x.how, x.code, x.signal]),
    [
      ['exited', 3, null],
      ['killed', null, 'SIGTERM'],
    ],
  );
  assert.equal(r.records[0]!.offset, 'oops not a record\n'.length);
  assert.equal(r.next, Buffer.byteLength(content));
});

test('offsets are byte offsets even with non-ASCII bytes before', async () => {
  const file = fresh();
  const junk = 'héllo ✓ junk\n';
  await writeFile(file, `${junk}1795729527.1 web exit-code exited 3\n`);
  const r = await new FileExitJournal(file).readSince(0);
  assert.equal(r.records[0]!.offset, Buffer.byteLength(junk));
  assert.notEqual(Buffer.byteLength(junk), junk.length);
});

test('a file shorter than the offset (truncated or replaced) is read from 0', async () => {
  const file = fresh();
  await writeFile(file, '1795729527.1 a exit-code exited 1\n1795729527.2 b exit-code exited 2\n');
  const j = new FileExitJournal(file);
  const { next } = await j.readSince(0);
  await truncate(file, 0);
  await writeFile(file, '1795729529.9 c signal killed 9\n');
  const r = await j.readSince(next);
  assert.equal(r.records.length, 1);
  assert.equal(r.records[0]!.service, 'c');
  assert.equal(r.records[0]!.offset, 0);
  assert.equal(r.records[0]!.signal, 'SIGKILL');
  assert.equal(r.next, Buffer.byteLength('1795729529.9 c signal killed 9\n'));
});

test('a large journal is read in bounded chunks from the offset', async () => {
  const file = fresh();
  const line = '1795729527.123456789 web exit-code exited 3\n';
  const count = Math.ceil((MAX_READ_BYTES * 1.5) / line.length);
  await writeFile(file, line.repeat(count));
  const j = new FileExitJournal(file, Number.POSITIVE_INFINITY);
  const first = await j.readSince(0);
  assert.ok(first.next <= MAX_READ_BYTES);
  assert.equal(first.next % line.length, 0);
  assert.equal(first.records.length, first.next / line.length);
  const second = await j.readSince(first.next);
  assert.equal(first.records.length + second.records.length, count);
  assert.equal(second.next, line.length * count);
});

test('a line longer than one read is stepped over instead of stalling', async () => {
  const file = fresh();
  const tail = '1795729527.1 web exit-code exited 3\n';
  await writeFile(file, 'x'.repeat(MAX_READ_BYTES + 10) + '\n' + tail);
  const j = new FileExitJournal(file);
  let offset = 0;
  const seen = [];
  for (let i = 0; i < 5; i++) {
    const r = await j.readSince(offset);
    seen.push(...r.records);
    if (r.next === offset) break;
    offset = r.next;
  }
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.service, 'web');
});

describe('FileExitJournal rotation', () => {
  it('rotates a fully read journal past the size limit, and still reads a record that lands in the old file', async () => {
    const { mkdtempSync, appendFileSync, existsSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-exits-'));
    const file = path.join(dir, 'exits.log');
    const journal = new FileExitJournal(file, 100);
    const line = (n: number) => `1795729527.${String(n).padStart(3, '0')} web exit-code exited ${n}\n`;
    for (let i = 0; i < 4; i++) appendFileSync(file, line(i));
    const read = await journal.readSince(0);
    assert.deepEqual(
      read.records.map((r) => r.code),
      [0, 1, 2, 3],
    );
    assert.equal(existsSync(`${file}.1`), false, 'not rotated before the caller stored what it read');
    // A caller that could not store them (a full disk) asks again from its old offset: the same records.
    assert.deepEqual(
      (await journal.readSince(0)).records.map((r) => r.code),
      [0, 1, 2, 3],
    );
    const first = await journal.readSince(read.next);
    assert.deepEqual(first.records, []);
    assert.equal(first.next, 0, 'rotated: start over in the new file');
    assert.equal(existsSync(`${file}.1`), true);
    assert.equal(existsSync(file), false);
    appendFileSync(`${file}.1`, line(4)); // a writer that opened the old file before the rename
    appendFileSync(file, line(5));
    const second = await journal.readSince(first.next);
    assert.deepEqual(
      second.records.map((r) => r.code),
      [4, 5],
    );
    const third = await journal.readSince(second.next);
    assert.deepEqual(third.records, [], 'nothing twice');
  });

  it('does not rotate below the limit or with unread bytes', async () => {
    const { mkdtempSync, appendFileSync, existsSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-exits-'));
    const file = path.join(dir, 'exits.log');
    appendFileSync(file, '1795729527.1 web exit-code exited 1\npartial');
    const j = new FileExitJournal(file, 10);
    const r = await j.readSince(0);
    assert.equal(r.records.length, 1);
    assert.equal(existsSync(`${file}.1`), false, 'a partial line is still unread');
  });
});

test('parseExitLine: the launcher run= field is ignored, amends= gives the amended record time (ms)', () => {
  const own = parseExitLine('1795729527.164110416 web signal killed KILL via=vigil-launch run=0123abcd', 0);
  assert.equal(own?.amends, undefined);
  assert.equal(own?.launcher?.ran, true);
  const amend = parseExitLine(
    '1795729527.190000000 web oom-kill killed KILL via=vigil-launch amends=1795729527.164110416',
    80,
  );
  assert.equal(amend?.amends, 1795729527164);
  assert.equal(amend?.result, 'oom-kill');
});
