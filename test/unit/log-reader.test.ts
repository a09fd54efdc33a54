/** The log reader over real files: tail and search across rotated files, filters, bounds, redaction, follow. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileLogReader } from '../../agent/adapters/logs/reader.js';
import { tailLog } from '../../agent/adapters/logs/tail.js';
import { searchLog } from '../../agent/adapters/logs/search.js';
import type { LogSearchQuery, LogTailQuery } from '../../agent/core/logs/model.js';
import { FIXTURES } from '../helpers/vigil.js';

let dir: string;
let n = 0;
const freshDir = (): string => {
  const d = path.join(dir, String(n++));
  mkdirSync(d);
  return d;
};

const tailQ = (lines: number, over: Partial<LogTailQuery> = {}): LogTailQuery => ({
  lines,
  level: null,
  grep: null,
  timeoutMs: 10_000,
  ...over,
});
const searchQ = (pattern: string, over: Partial<LogSearchQuery> = {}): LogSearchQuery => ({
  pattern,
  regex: false,
  ignoreCase: false,
  limit: 100,
  timeoutMs: 10_000,
  level: null,
  ...over,
});
const seq = (from: number, to: number, prefix = 'line'): string[] =>
  Array.from({ length: to - from }, (_, i) => `${prefix} ${from + i}`);
const text = (lines: string[]): string => lines.map((l) => `${l}\n`).join('');

/** web.log.2 = lines 0-99, web.log.1 = 100-199, web.log = 200-249 (+ optional partial last line). */
function threeFiles(d: string, partial = ''): string {
  const base = path.join(d, 'web.log');
  writeFileSync(`${base}.2`, text(seq(0, 100)));
  writeFileSync(`${base}.1`, text(seq(100, 200)));
  writeFileSync(base, text(seq(200, 250)) + partial);
  return base;
}

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'vigil-logread-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('tail', () => {
  it('reads the last lines across the current and rotated files, oldest first', async () => {
    const d = freshDir();
    threeFiles(d);
    const r = new FileLogReader({ logsDir: d });
    assert.deepEqual((await r.tail('web', tailQ(3))).lines, seq(247, 250));
    const span = await r.tail('web', tailQ(160));
    assert.deepEqual(span.lines, seq(90, 250));
    assert.deepEqual(span.files, ['web.log', 'web.log.1', 'web.log.2']);
    const all = await r.tail('web', tailQ(1000));
    assert.deepEqual(all.lines, seq(0, 250));
    assert.deepEqual((await r.tail('web', tailQ(0))).lines, []);
  });

  it('a last line still being written is shown; for following, it is left out and the cursor stops before it', async () => {
    const d = freshDir();
    const base = threeFiles(d, 'half a li');
    const r = new FileLogReader({ logsDir: d });
    assert.deepEqual((await r.tail('web', tailQ(2))).lines, ['line 249', 'half a li']);
    const t = await tailLog(base, tailQ(2), { completeOnly: true });
    assert.deepEqual(t.lines, ['line 248', 'line 249']);
    assert.equal(t.cursor?.offset, readFileSync(base).length - 'half a li'.length);
  });

  it('filters by level (pino and structlog) and by pattern, reading back through rotated files', async () => {
    const d = freshDir();
    const base = path.join(d, 'svc.log');
    const pino = readFileSync(path.join(FIXTURES, 'logs', 'pino.log'), 'utf8');
    const structlog = readFileSync(path.join(FIXTURES, 'logs', 'structlog.log'), 'utf8');
    writeFileSync(`${base}.1`, pino + text(seq(0, 5000, 'noise')));
    writeFileSync(base, structlog + text(seq(5000, 9000, 'noise')));
    const r = new FileLogReader({ logsDir: d });
    const errors = await r.tail('svc', tailQ(4, { level: 50 }));
    assert.deepEqual(
      errors.lines.map((l) => {
        const o = JSON.parse(l) as { msg?: string; event?: string; message?: string };
        return o.msg ?? o.event ?? o.message;
      }),
      ['cannot bind port 4000', 'tool call failed', 'out of budget', 'GCP-style severity'],
    );
    assert.match(errors.lines[0]!, /"level":60/);
    assert.deepEqual(errors.files, ['svc.log', 'svc.log.1']);
    const grep = await r.tail(
      'svc',
      tailQ(3, { grep: { pattern: 'NOISE 12', regex: false, ignoreCase: true } }),
    );
    assert.deepEqual(
      grep.lines,
      ['noise 1297', 'noise 1298', 'noise 1299'],
      'the last matches are in the rotated file',
    );
  });

  it('gives up at the time bound with a filter (timedOut), never without one', async () => {
    const d = freshDir();
    const base = path.join(d, 'slow.log');
    writeFileSync(`${base}.1`, text(seq(0, 200_000)));
    writeFileSync(base, text(seq(200_000, 400_000)));
    let t = 0;
    const now = () => (t += 1000);
    const r = await tailLog(base, tailQ(5, { level: 60, timeoutMs: 2500 }), { now });
    assert.equal(r.timedOut, true);
    assert.deepEqual(r.lines, []);
    const plain = await tailLog(base, tailQ(5, { timeoutMs: 1 }), { now });
    assert.deepEqual([plain.timedOut, plain.lines], [false, seq(399_995, 400_000)]);
  });

  it('reads from the end only: a short tail of a big file costs a few kilobytes', async () => {
    const d = freshDir();
    const base = path.join(d, 'big.log');
    writeFileSync(base, text(seq(0, 500_000))); // ~6 MB
    const r = await tailLog(base, tailQ(100));
    assert.deepEqual(r.lines, seq(499_900, 500_000));
    assert.ok(r.scannedBytes <= 64 * 1024, `read ${r.scannedBytes} bytes`);
  });

  it('names: a service name or E_USAGE; no log and not installed is E_UNKNOWN_SERVICE; installed without a log is empty', async () => {
    const d = freshDir();
    const r = new FileLogReader({ logsDir: d, known: (s) => s === 'quiet' });
    await assert.rejects(r.tail('../etc/passwd', tailQ(1)), { code: 'E_USAGE' });
    await assert.rejects(r.tail('ghost', tailQ(1)), { code: 'E_UNKNOWN_SERVICE' });
    await assert.rejects(r.search('ghost', searchQ('x')), { code: 'E_UNKNOWN_SERVICE' });
    assert.deepEqual((await r.tail('quiet', tailQ(5))).lines, []);
  });
});

describe('search', () => {
  it('finds the most recent matches across files, oldest first, each line once', async () => {
    const d = freshDir();
    const base = threeFiles(d);
    appendFileSync(base, 'line 7 line 7 twice\n');
    const all = await searchLog(base, searchQ('line 7'));
    assert.deepEqual(
      all.matches.map((m) => [m.file, m.line]),
      [
        ['web.log.2', 'line 7'],
        ...seq(70, 80).map((l) => ['web.log.2', l]),
        ['web.log', 'line 7 line 7 twice'],
      ],
    );
    assert.deepEqual([all.truncated, all.timedOut], [false, false]);
    const limited = await searchLog(base, searchQ('line 1', { limit: 5 }));
    assert.deepEqual(
      limited.matches.map((m) => m.line),
      ['line 195', 'line 196', 'line 197', 'line 198', 'line 199'],
    );
    assert.equal(limited.truncated, true);
  });

  it('agrees with a plain line-by-line filter on a file of many chunks', async () => {
    const d = freshDir();
    const base = path.join(d, 'many.log');
    const lines = Array.from(
      { length: 300_000 },
      (_, i) =>
        `${i} ${'é✓'.repeat(i % 13)} ${i % 1000 === 0 ? 'NEEDLE' : 'hay'} ${'z'.repeat((i * 7) % 90)}`,
    );
    writeFileSync(base, text(lines)); // ~20 MB: several regions, lines crossing region boundaries
    const want = lines.filter((l) => l.includes('NEEDLE'));
    const got = await searchLog(base, searchQ('NEEDLE', { limit: 10_000 }));
    assert.deepEqual(
      got.matches.map((m) => m.line),
      want,
    );
    assert.equal(got.scannedBytes, readFileSync(base).length);
    const r = new FileLogReader({ logsDir: d });
    const re = await r.search('many', searchQ('^\\d*000 é✓ NEEDLE', { regex: true, limit: 10_000 }));
    assert.deepEqual(
      re.matches.map((m) => m.line),
      want.filter((l) => /^\d*000 é✓ NEEDLE/.test(l)),
    );
    assert.ok(re.matches.length > 10);
  });

  it('regular expressions run per line (anchors, no match across lines); ignoreCase for text too', async () => {
    const d = freshDir();
    writeFileSync(path.join(d, 're.log'), text(['alpha', 'beta end', 'Gamma', 'a', 'b', 'x ALPHA y']));
    const r = new FileLogReader({ logsDir: d });
    const lines = async (q: Partial<LogSearchQuery> & { pattern: string }) =>
      (await r.search('re', searchQ(q.pattern, q))).matches.map((m) => m.line);
    assert.deepEqual(await lines({ pattern: 'end$', regex: true }), ['beta end']);
    assert.deepEqual(await lines({ pattern: '^a', regex: true }), ['alpha', 'a']);
    assert.deepEqual(await lines({ pattern: 'a\\sb', regex: true }), [], 'a newline is not inside any line');
    assert.deepEqual(await lines({ pattern: 'alpha', ignoreCase: true }), ['alpha', 'x ALPHA y']);
    assert.deepEqual(await lines({ pattern: 'g.mma', regex: true, ignoreCase: true }), ['Gamma']);
    await assert.rejects(r.search('re', searchQ('(', { regex: true })), { code: 'E_USAGE' });
    await assert.rejects(r.search('re', searchQ('')), { code: 'E_USAGE' });
  });

  it('with a level: only matching lines at that level or above', async () => {
    const d = freshDir();
    writeFileSync(path.join(d, 'p.log'), readFileSync(path.join(FIXTURES, 'logs', 'pino.log')));
    const r = new FileLogReader({ logsDir: d });
    const got = await r.search('p', searchQ('"msg"', { level: 40 }));
    assert.deepEqual(
      got.matches.map((m) => (JSON.parse(m.line) as { msg: string }).msg),
      ['rate limit close: 90%', 'upstream failed', 'retrying', 'cannot bind port 4000'],
    );
  });

  it('stops at the time bound: soft (between regions) and hard (a regex that never finishes is terminated)', async () => {
    const d = freshDir();
    const base = path.join(d, 't.log');
    writeFileSync(base, text(seq(0, 400_000)));
    let t = 0;
    const soft = await searchLog(base, searchQ('never there', { timeoutMs: 500 }), {
      now: () => (t += 1000),
    });
    assert.equal(soft.timedOut, true);
    assert.ok(soft.scannedBytes < readFileSync(base).length);
    writeFileSync(path.join(d, 'redos.log'), `${'a'.repeat(40)}!\n`);
    const r = new FileLogReader({ logsDir: d, graceMs: 300 });
    const hard = await r.search('redos', searchQ('^(a+)+$', { regex: true, timeoutMs: 200 }));
    assert.deepEqual([hard.timedOut, hard.matches], [true, []]);
  });

  it('every line served is redacted; a line that matched only through a secret value is not served', async () => {
    const d = freshDir();
    writeFileSync(path.join(d, 's.log'), text(['token=SECRETVALUE42 ok', 'plain line', 'SECRETVALUE42']));
    const sources: string[] = [];
    const r = new FileLogReader({
      logsDir: d,
      redactFor: (service, source) => {
        sources.push(`${service}/${source}`);
        return (l) => l.replaceAll('SECRETVALUE42', '[redacted:api/TOKEN]');
      },
    });
    assert.deepEqual((await r.tail('s', tailQ(5))).lines, [
      'token=[redacted:api/TOKEN] ok',
      'plain line',
      '[redacted:api/TOKEN]',
    ]);
    assert.deepEqual((await r.search('s', searchQ('SECRETVALUE'))).matches, []);
    assert.deepEqual((await r.search('s', searchQ('SECRET.*42', { regex: true }))).matches, []);
    assert.deepEqual(
      (await r.search('s', searchQ('ok$', { regex: true }))).matches.map((m) => m.line),
      ['token=[redacted:api/TOKEN] ok'],
    );
    assert.deepEqual(
      (await r.search('s', searchQ('token='))).matches.map((m) => m.line),
      ['token=[redacted:api/TOKEN] ok'],
    );
    assert.deepEqual([...new Set(sources)], ['s/log tail', 's/log search']);
  });
});

/** Where a followed "l <n>" sequence skips or repeats (for failure messages). */
function gaps(got: string[]): string {
  const out: string[] = [];
  let want = 0;
  for (const l of got) {
    const k = Number(l.split(' ')[1]);
    if (k !== want) out.push(`${want}→${k}`);
    want = k + 1;
  }
  return `last ${got.at(-1)}; jumps ${out.slice(0, 10).join(', ') || 'none'}`;
}

describe('follow', () => {
  /** Collects followed lines until `until` is true. */
  function collector() {
    const got: string[] = [];
    const ctl = new AbortController();
    const waitUntil = async (pred: () => boolean, ms = 10_000): Promise<void> => {
      const deadline = Date.now() + ms;
      while (!pred()) {
        if (Date.now() > deadline)
          throw new Error(`follow: timed out with ${got.length} lines: ${gaps(got)}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    return { got, ctl, waitUntil, onLines: (ls: string[]) => void got.push(...ls) };
  }

  function rotate(base: string, keep: number): void {
    for (let i = keep; i >= 1; i--) {
      try {
        renameSync(i === 1 ? base : `${base}.${i - 1}`, `${base}.${i}`);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    writeFileSync(base, '');
  }

  it('gives the last lines, then new ones, through rotations, without a gap or a repeat', async () => {
    const d = freshDir();
    const base = threeFiles(d);
    const r = new FileLogReader({ logsDir: d, pollMs: 20 });
    const c = collector();
    const done = r.follow('web', tailQ(2), c.onLines, c.ctl.signal);
    try {
      await c.waitUntil(() => c.got.length >= 2);
      appendFileSync(base, 'new 1\nnew ');
      await c.waitUntil(() => c.got.length >= 3);
      appendFileSync(base, '2\n');
      rotate(base, 5);
      appendFileSync(base, 'new 3\n');
      await c.waitUntil(() => c.got.includes('new 3'));
    } finally {
      c.ctl.abort();
      await done;
    }
    assert.deepEqual(c.got, ['line 248', 'line 249', 'new 1', 'new 2', 'new 3']);
  });

  it('keeps every line while a writer rotates hundreds of times under it', async () => {
    const d = freshDir();
    const base = path.join(d, 'busy.log');
    writeFileSync(base, '');
    const c = collector();
    let ready = false;
    const r = new FileLogReader({ logsDir: d, pollMs: 3 });
    const done = r.follow(
      'busy',
      tailQ(0),
      (ls) => {
        ready = true;
        c.onLines(ls);
      },
      c.ctl.signal,
    );
    const total = 30_000;
    try {
      await c.waitUntil(() => ready);
      for (let i = 0; i < total; i++) {
        appendFileSync(base, `l ${i}\n`);
        if (i % 97 === 96) rotate(base, 400);
        if (i % 50 === 0) await new Promise((r) => setImmediate(r));
      }
      await c.waitUntil(() => c.got.length >= total, 60_000);
    } finally {
      c.ctl.abort();
      await done;
    }
    assert.equal(c.got.length, total);
    assert.deepEqual(c.got, seq(0, total, 'l'));
  });

  it('an unknown service throws before anything is delivered', async () => {
    const d = freshDir();
    const r = new FileLogReader({ logsDir: d, known: () => false });
    const c = collector();
    await assert.rejects(r.follow('nobody', tailQ(5), c.onLines, c.ctl.signal), {
      code: 'E_UNKNOWN_SERVICE',
    });
    assert.deepEqual(c.got, []);
  });
});
