/** Log ingestion: duplicates, re-reads after a restart, partial lines, rotation and truncation → exact totals. */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { catalog, usageEnv, usageLine, usageSpec, type UsageEnv } from '../helpers/usage.js';
import { cursorKey, UsageIngester } from '../../agent/app/usage/ingest.js';
import { FileUsageLogReader } from '../../agent/adapters/usage/log-reader.js';
import { InlineChunkParser } from '../../agent/adapters/usage/inline-parser.js';

const DAY = '2026-11-26';
let env: UsageEnv;
afterEach(() => env?.close());

const ctx = () => ({ pricing: undefined, calendar: env.calendar });
const ingest = (service = 'core') => env.ingester.ingestLog(service, usageSpec(), ctx());
const total = (service = 'core') => env.ledger.totals(DAY, DAY, 'service').find((t) => t.key === service);
/** claude-sonnet-4-5: $3 in, $15 out per MTok. */
const cost = (i: number, o: number) => 3 * i + 15 * o;

describe('log ingestion', () => {
  it('stores each request once: duplicate lines, a second pass and a restart add nothing', async () => {
    env = usageEnv();
    const file = env.logPath('core');
    const lines = [
      'starting up, not json',
      usageLine({ request_id: 'r1', input_tokens: 1000, output_tokens: 100 }).trim(),
      '{"level":30,"msg":"hello"}',
      usageLine({ request_id: 'r2', input_tokens: 2000, output_tokens: 200 }).trim(),
      usageLine({ request_id: 'r1', input_tokens: 1000, output_tokens: 100 }).trim(), // the same request logged twice
      usageLine({ input_tokens: 5, output_tokens: 5 }).trim(), // no request id: keyed by file and offset
    ];
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    assert.equal(await ingest(), 3);
    const want = cost(1000, 100) + cost(2000, 200) + cost(5, 5);
    assert.equal(total()!.costMicro, want);
    assert.equal(total()!.requests, 3);
    assert.equal(await ingest(), 0, 'nothing new');
    env.reopen();
    assert.equal(await ingest(), 0, 'a restarted agent resumes at its cursor');
    // Lose the cursor entirely (as if the crash came before it was written): everything is read again, and
    // every entry's key is already there.
    env.store.setState(cursorKey('core'), undefined);
    assert.equal(await ingest(), 0);
    assert.equal(total()!.costMicro, want);
    assert.deepEqual(total()!.tokens, {
      input: 3005,
      output: 305,
      cacheRead: 0,
      cacheWrite: 0,
      cacheWrite1h: 0,
      reasoning: 0,
    });
  });

  it('waits for the end of a line that is still being written', async () => {
    env = usageEnv();
    const file = env.logPath('core');
    const line = usageLine({ request_id: 'p1', input_tokens: 10, output_tokens: 1 });
    fs.writeFileSync(file, line.slice(0, 30));
    assert.equal(await ingest(), 0);
    fs.appendFileSync(file, line.slice(30));
    assert.equal(await ingest(), 1);
    assert.equal(total()!.costMicro, cost(10, 1));
  });

  it('counts rejected usage lines and keeps going', async () => {
    env = usageEnv();
    fs.writeFileSync(
      env.logPath('core'),
      [
        JSON.stringify({ event: 'llm_usage', input_tokens: 5 }), // no model
        JSON.stringify({
          event: 'llm_usage',
          model: 'gpt-4o',
          usage: { prompt_tokens: 10, completion_tokens: 1, prompt_tokens_details: { cached_tokens: 11 } },
        }),
        usageLine({ request_id: 'ok', input_tokens: 1, output_tokens: 1 }),
      ].join('\n'),
    );
    assert.equal(await ingest(), 1);
    const src = env.ingester.sources().find((s) => s.kind === 'log')!;
    assert.equal(src.rejected, 2);
    assert.equal(src.error, null, 'the source itself works');
    // By reason, without the values of the line (a line can carry secrets): counted exactly, across a restart.
    const reasons = {
      'the event has no "model"': 1,
      'prompt_tokens_details.cached_tokens exceeds prompt_tokens': 1,
    };
    assert.deepEqual(src.reasons, reasons);
    env.reopen();
    assert.equal(await ingest(), 0);
    assert.deepEqual(
      env.ingester.sources().find((s) => s.kind === 'log')!.reasons,
      reasons,
      'stored with the cursor, not counted again',
    );
  });

  it('logs each reason for unusable lines once, never the line; counts a file rotated away unread as a gap', async () => {
    env = usageEnv();
    const notices: string[] = [];
    const quote = catalog.quote.bind(catalog);
    const make = () =>
      new UsageIngester({
        store: env.store,
        ledger: env.ledger,
        reader: new FileUsageLogReader(),
        fetcher: env.fetcher,
        quote,
        clock: env.clock,
        logPath: env.logPath,
        parser: new InlineChunkParser(quote),
        onNotice: (service, m) => notices.push(`${service}: ${m}`),
      });
    let ingester = make();
    const file = env.logPath('core');
    const secret = 'sk-live-SECRET';
    const bad = `${JSON.stringify({ event: 'llm_usage', api_key: secret, input_tokens: 5 })}\n`; // no model
    fs.writeFileSync(file, bad + usageLine({ request_id: 'a', input_tokens: 1, output_tokens: 1 }) + bad);
    await ingester.ingestLog('core', usageSpec(), ctx());
    fs.appendFileSync(file, bad + `{"event":"llm_usage","model":"x","api_key":"${secret}"\n`);
    await ingester.ingestLog('core', usageSpec(), ctx());
    assert.deepEqual(notices, [
      `core: unusable llm_usage lines in ${file}: the event has no "model"`,
      `core: unusable llm_usage lines in ${file}: the line is not valid JSON (cut short, or not JSON)`,
    ]);
    assert.ok(!JSON.stringify(ingester.sources()).includes(secret), 'no line content in the source state');
    // The agent is down while the file it was reading is rotated away (keep 1): lines lost, counted and said.
    fs.renameSync(file, `${file}.1`);
    fs.writeFileSync(file, usageLine({ request_id: 'b', input_tokens: 2, output_tokens: 0 }));
    fs.renameSync(file, `${file}.1`); // the old .1 is replaced: gone
    fs.writeFileSync(file, usageLine({ request_id: 'c', input_tokens: 4, output_tokens: 0 }));
    await ingester.closeReader();
    ingester = make();
    await ingester.ingestLog('core', usageSpec(), ctx());
    const src = ingester.sources().find((s) => s.kind === 'log')!;
    assert.equal(src.gaps, 1);
    assert.match(src.lastGap ?? '', /is gone, rotated away or rewritten while it was not being read/);
    assert.match(notices.at(-1)!, /^core: usage lines lost in .*core\.log: the file it was being read from/);
    assert.equal(total()!.requests, 3, 'a, then b and c from the files that are there');
    assert.equal(src.rejected, 4);
    await ingester.closeReader();
  });

  it('follows rotation by rename: the rest of the old file, then the rotated chain, then the new file', async () => {
    env = usageEnv();
    const file = env.logPath('core');
    let want = 0;
    let n = 0;
    const write = (target: string, count: number) => {
      for (let i = 0; i < count; i++) {
        n++;
        fs.appendFileSync(target, usageLine({ input_tokens: n, output_tokens: 1 }));
        want += cost(n, 1);
      }
    };
    write(file, 3);
    await ingest();
    write(file, 2); // written after the last read, then rotated away before the next one
    fs.renameSync(file, `${file}.1`);
    write(file, 2);
    // two more rotations while the agent is down
    fs.renameSync(`${file}.1`, `${file}.2`);
    fs.renameSync(file, `${file}.1`);
    write(file, 1);
    fs.renameSync(`${file}.2`, `${file}.3`);
    fs.renameSync(`${file}.1`, `${file}.2`);
    fs.renameSync(file, `${file}.1`);
    write(file, 4);
    env.reopen();
    await ingest();
    assert.equal(total()!.costMicro, want);
    assert.equal(total()!.requests, n);
    await ingest();
    assert.equal(total()!.requests, n, 'a second pass over the rotated files adds nothing');
  });

  it('stays on a rotated file until the new file has content (the writer may not have reopened yet)', async () => {
    env = usageEnv();
    const file = env.logPath('core');
    fs.writeFileSync(file, usageLine({ input_tokens: 1, output_tokens: 0 }));
    await ingest();
    fs.renameSync(file, `${file}.1`);
    fs.writeFileSync(file, '');
    fs.appendFileSync(`${file}.1`, usageLine({ input_tokens: 2, output_tokens: 0 })); // late write to the old inode
    await ingest();
    fs.appendFileSync(`${file}.1`, usageLine({ input_tokens: 3, output_tokens: 0 }));
    fs.appendFileSync(file, usageLine({ input_tokens: 4, output_tokens: 0 }));
    await ingest();
    assert.equal(total()!.requests, 4);
    assert.equal(total()!.costMicro, 3 * (1 + 2 + 3 + 4));
  });

  it('starts over when the file is truncated or replaced in place', async () => {
    env = usageEnv();
    const file = env.logPath('core');
    fs.writeFileSync(
      file,
      usageLine({ input_tokens: 100, output_tokens: 0 }) + usageLine({ input_tokens: 200, output_tokens: 0 }),
    );
    await ingest();
    fs.truncateSync(file, 0); // copytruncate
    fs.appendFileSync(file, usageLine({ input_tokens: 7, output_tokens: 0 }));
    await ingest();
    // replaced in place, longer than the cursor's offset: noticed by its first line
    fs.writeFileSync(
      file,
      usageLine({ input_tokens: 1000, output_tokens: 0, ts: Date.UTC(2026, 10, 26, 1) }).repeat(3),
    );
    await ingest();
    assert.equal(total()!.requests, 6);
    assert.equal(total()!.costMicro, 3 * (100 + 200 + 7 + 3000));
  });

  it('attributes each entry to the local day and hour of its own time', async () => {
    env = usageEnv();
    fs.writeFileSync(
      env.logPath('core'),
      usageLine({ input_tokens: 1, output_tokens: 0, ts: '2026-11-25T23:30:00Z' }) +
        usageLine({ input_tokens: 2, output_tokens: 0, time: Date.UTC(2026, 10, 26, 9, 5) }) +
        usageLine({ input_tokens: 4, output_tokens: 0, timestamp: Date.UTC(2026, 10, 26, 9, 59) / 1000 }),
    );
    await ingest();
    assert.equal(env.ledger.totals('2026-11-25', '2026-11-25', 'service')[0]!.tokens.input, 1);
    assert.equal(total()!.tokens.input, 6);
    const hours = env.ledger.hourly(`${DAY}T00`, `${DAY}T23`, 'service');
    assert.deepEqual(
      hours.map((h) => [h.bucket, h.tokens]),
      [[`${DAY}T09`, 6]],
    );
  });
});
