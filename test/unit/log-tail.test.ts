import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { quickTail, tailLines } from '../../agent/adapters/fs/log-tail.js';
import { tailLog } from '../../agent/adapters/logs/tail.js';
import { followLog } from '../../agent/adapters/logs/follow.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-tail-'));

describe('tailLines', () => {
  it('reads on into the rotated files when the current one holds fewer lines', async () => {
    const f = path.join(dir, 'r.log');
    writeFileSync(`${f}.1`, 'one\ntwo\n');
    writeFileSync(f, 'three\n');
    assert.deepEqual(await tailLines(f, 2), ['two', 'three']);
  });

  it('returns the last N lines across chunk boundaries, with or without a final newline', async () => {
    const f = path.join(dir, 'a.log');
    const lines = Array.from({ length: 50_000 }, (_, i) => `line ${i} ${'x'.repeat(i % 97)}`);
    writeFileSync(f, `${lines.join('\n')}\n`);
    assert.deepEqual(await tailLines(f, 3), lines.slice(-3));
    assert.deepEqual(await tailLines(f, 5000), lines.slice(-5000));
    writeFileSync(f, 'a\nb\nc');
    assert.deepEqual(await tailLines(f, 2), ['b', 'c']);
    assert.deepEqual(await tailLines(f, 10), ['a', 'b', 'c']);
    writeFileSync(f, 'é✓\n日本\n');
    assert.deepEqual(await tailLines(f, 1), ['日本']);
  });

  it('the synchronous read of the current file gives what tailLog gives, and declines when it cannot know', async () => {
    const f = path.join(dir, 'q.log');
    const slow = async (n: number, until?: { ino: number; offset: number }) =>
      (
        await tailLog(
          f,
          { lines: n, level: null, grep: null, timeoutMs: 5000 },
          until ? { endAt: until } : {},
        )
      ).lines;
    const cases = [
      '',
      '\n',
      'a',
      'a\nb\nc',
      'a\nb\nc\n',
      '\n\nx\n\n',
      'é✓\n日本\n',
      Array.from({ length: 3000 }, (_, i) => `line ${i} ${'y'.repeat(i % 53)}`).join('\n') + '\n',
      `${'z'.repeat(70_000)}\nlast\n`,
    ];
    let quick = 0;
    for (const text of cases) {
      writeFileSync(f, text);
      const st = statSync(f);
      for (const n of [1, 2, 20, 5000]) {
        for (const until of [undefined, { dev: 0, ino: st.ino, offset: Math.floor(st.size / 2) }]) {
          const q = quickTail(f, n, until);
          if (q !== null) quick++;
          assert.deepEqual(
            q ?? (await tailLines(f, n, until)),
            await slow(n, until),
            `${JSON.stringify(text.slice(0, 20))} n=${n} until=${until?.offset}`,
          );
        }
      }
    }
    assert.ok(quick >= 50, `the quick path answered ${quick} of 72`);
    writeFileSync(f, 'a\n'.repeat(10));
    assert.deepEqual(quickTail(f, 5), Array(5).fill('a'), 'enough lines: no other file is looked at');
    writeFileSync(`${f}.1`, 'older\n');
    assert.equal(quickTail(f, 20), null, 'fewer lines and a rotated file: declined');
    assert.deepEqual(await tailLines(f, 20), ['older', ...Array(10).fill('a')]);
    assert.equal(quickTail(f, 2, { dev: 0, ino: statSync(f).ino + 1, offset: 4 }), null, 'another inode');
    assert.equal(quickTail(path.join(dir, 'absent.log'), 2), null);
  });

  it('a missing or empty file has no lines', async () => {
    assert.deepEqual(await tailLines(path.join(dir, 'none.log'), 5), []);
    writeFileSync(path.join(dir, 'empty.log'), '');
    assert.deepEqual(await tailLines(path.join(dir, 'empty.log'), 5), []);
  });
});

describe('followLog', () => {
  it('delivers appended lines, then continues after the file is replaced (rotation) or truncated', async () => {
    const f = path.join(dir, 'f.log');
    writeFileSync(f, 'old\n');
    const got: string[] = [];
    const ctl = new AbortController();
    const from = { ino: statSync(f).ino, offset: statSync(f).size };
    const done = followLog(f, (ls) => void got.push(...ls), { from, pollMs: 20, signal: ctl.signal });
    const until = async (n: number) => {
      for (let i = 0; i < 200 && got.length < n; i++) await new Promise((r) => setTimeout(r, 10));
    };
    appendFileSync(f, 'one\ntw');
    await until(1);
    appendFileSync(f, 'o\n');
    await until(2);
    renameSync(f, `${f}.1`);
    writeFileSync(f, 'three\n');
    await until(3);
    writeFileSync(f, 'x\n');
    await until(4);
    ctl.abort();
    await done;
    assert.deepEqual(got, ['one', 'two', 'three', 'x']);
  });
});
