/**
 * `vigil-launch --exit-hook` / `--exit-flush` (agent/launcher/exitpend.c) on a real 1 MB tmpfs filled to
 * 100 %: records kept in the preallocated slots, order kept, torn lines cut back, exactly once even when a
 * writer died between its two steps. Needs root (mount -t tmpfs); skipped with the reason otherwise.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from '../helpers/vigil.js';

const LAUNCHER = path.join(ROOT, 'dist', 'bin', 'vigil-launch');
const SLOT = 256;

function fill(file: string): void {
  const fd = openSync(file, 'w');
  try {
    for (const size of [256 * 1024, 4096, 1]) {
      const buf = Buffer.alloc(size, 7);
      for (;;) {
        try {
          writeSync(fd, buf);
        } catch {
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

describe('exit hook on a full disk (real tmpfs)', () => {
  let dir = '';
  let skip: string | null = null;
  let journal = '';

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-exithook-'));
    journal = path.join(dir, 'exits.log');
    if (process.getuid?.() !== 0) skip = 'not root: mounting a tmpfs needs root';
    else {
      const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
      if (r.status !== 0) skip = `mount -t tmpfs is not permitted here: ${r.stderr.toString().trim()}`;
    }
  });
  after(() => {
    if (!skip) execFileSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  });

  const hook = (service: string, status: string) =>
    spawnSync(LAUNCHER, ['--exit-hook', journal, service], {
      env: { SERVICE_RESULT: 'exit-code', EXIT_CODE: 'exited', EXIT_STATUS: status },
    });
  const flush = () => spawnSync(LAUNCHER, ['--exit-flush', journal]);
  const journalLines = () => readFileSync(journal, 'utf8').split('\n').filter(Boolean);
  const pendingCount = () => {
    const b = readFileSync(`${journal}.pending`);
    let n = 0;
    for (let i = 0; i < b.length; i += SLOT) if (b[i] !== 0) n++;
    return n;
  };

  it('keeps records while full, moves them in order once space returns, cuts torn lines back, and never twice', (t) => {
    if (skip) {
      t.skip(skip);
      return;
    }
    assert.equal(flush().status, 0, "the agent's start-up flush creates the slots");
    assert.equal(statSync(`${journal}.pending`).size, 256 * SLOT);
    // 4092 bytes: the next record fits 4 bytes into the journal's page, then needs a new one.
    writeFileSync(journal, '1700000000.000000000 old exit-code exited 1\n'.repeat(93));
    const before = statSync(journal).size;
    const filler = path.join(dir, 'filler');
    fill(filler);

    const first = hook('web', '3');
    assert.equal(first.status, 0);
    assert.match(first.stderr.toString(), /record kept in .*exits\.log\.pending until space returns/);
    assert.equal(statSync(journal).size, before, 'the torn piece was cut back');
    assert.equal(hook('db', '4').status, 0);
    assert.match(hook('web', '5').stderr.toString(), /records already pending/);
    assert.equal(pendingCount(), 3);
    assert.equal(flush().status, 75, 'still full: EX_TEMPFAIL, nothing moved');
    assert.equal(pendingCount(), 3);

    rmSync(filler);
    // A writer that died after appending but before clearing its slot: the line is in both places.
    const twice = '1796219999.000000001 api exit-code exited 9\n';
    appendFileSync(journal, twice);
    const fd = openSync(`${journal}.pending`, 'r+');
    writeSync(fd, Buffer.from(twice), 0, twice.length, 200 * SLOT);
    closeSync(fd);

    assert.equal(hook('web', '6').status, 0, 'the next exit moves the pending ones first');
    const lines = journalLines().slice(93);
    assert.deepEqual(
      lines.map((l) => l.split(' ').slice(1).join(' ')),
      [
        'api exit-code exited 9', // appended by the writer that died; not again from its slot
        'web exit-code exited 3',
        'db exit-code exited 4',
        'web exit-code exited 5',
        'web exit-code exited 6',
      ],
    );
    assert.equal(pendingCount(), 0);
    assert.equal(flush().status, 0);
    assert.equal(journalLines().length, 93 + 5, 'nothing twice');
  });

  it('without slots (the disk filled before they were made) the loss is said, not silent', (t) => {
    if (skip) {
      t.skip(skip);
      return;
    }
    rmSync(`${journal}.pending`);
    const size = statSync(journal).size;
    appendFileSync(journal, 'x'.repeat(4096 - (size % 4096) - 1) + '\n');
    const filler = path.join(dir, 'filler');
    fill(filler);
    const r = hook('web', '7');
    assert.equal(r.status, 1);
    assert.match(
      r.stderr.toString(),
      /exit record lost: cannot append to .*exits\.log \(No space left on device\) and no pending slots/,
    );
    assert.equal(existsSync(`${journal}.pending`), false);
    rmSync(filler);
  });
});
