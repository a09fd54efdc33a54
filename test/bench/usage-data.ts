/** Data for the usage benchmarks: a realistic usage log, and a 10M-entry ledger built in SQL. */
import type { Database } from '../../agent/adapters/sqlite/db.js';

const SERVICES = [
  'core',
  'planner',
  'memory',
  'researcher',
  'coder',
  'reviewer',
  'mailer',
  'scheduler',
  'proxy',
  'watchdog',
  'monitor',
  'summarizer',
];
const MODELS = [
  'claude-sonnet-4-5',
  'claude-haiku-4-5',
  'claude-opus-4-1',
  'gpt-4o',
  'gpt-5',
  'gpt-4.1-mini',
  'o3',
  'gemini-2.5-pro',
];

/**
 * `count` log lines as agents write them: 4 in 5 are llm_usage events (Anthropic and OpenAI SDK shapes,
 * request ids, timestamps), 1 in 5 other log lines. Returns the text and the number of usage lines.
 */
export function usageLog(count: number, start: number): { text: string; usage: number } {
  const lines: string[] = [];
  let usage = 0;
  for (let i = 0; i < count; i++) {
    const ts = new Date(start + i * 250).toISOString();
    const k = i % 5;
    if (k === 4) {
      lines.push(
        JSON.stringify({
          level: 30,
          time: start + i * 250,
          msg: 'tool call finished',
          tool: 'search',
          ms: (i * 7) % 900,
        }),
      );
      continue;
    }
    usage++;
    if (k < 2) {
      lines.push(
        JSON.stringify({
          event: 'llm_usage',
          ts,
          model: 'claude-sonnet-4-5',
          provider: 'anthropic',
          request_id: `msg_${i.toString(36)}`,
          usage: {
            input_tokens: 100 + (i % 3000),
            cache_creation_input_tokens: i % 1500,
            cache_read_input_tokens: (i * 13) % 20000,
            cache_creation: { ephemeral_5m_input_tokens: i % 1500, ephemeral_1h_input_tokens: 0 },
            output_tokens: 50 + (i % 1200),
          },
        }),
      );
    } else {
      const prompt = 200 + (i % 8000);
      lines.push(
        JSON.stringify({
          event: 'llm_usage',
          ts,
          model: 'gpt-4o',
          provider: 'openai',
          request_id: `chatcmpl-${i.toString(36)}`,
          usage: {
            prompt_tokens: prompt,
            completion_tokens: 30 + (i % 900),
            total_tokens: prompt + 30 + (i % 900),
            prompt_tokens_details: { cached_tokens: (i * 7) % prompt },
            completion_tokens_details: { reasoning_tokens: 0 },
          },
        }),
      );
    }
  }
  return { text: `${lines.join('\n')}\n`, usage };
}

/**
 * Fills usage_events with `count` entries over `days` days ending with `lastDay` (12 services × 8 models),
 * in one statement (a recursive CTE), then builds the rollup exactly as the ledger maintains it (one
 * GROUP BY over the entries: the same rows the incremental upserts produce).
 */
export function fillLedger(db: Database, count: number, days: number, lastDay: string): void {
  db.exec(
    `CREATE TEMP TABLE svc (i INTEGER PRIMARY KEY, name TEXT); CREATE TEMP TABLE mdl (i INTEGER PRIMARY KEY, name TEXT);`,
  );
  const s = db.prepare('INSERT INTO svc VALUES (?, ?)');
  SERVICES.forEach((n, i) => s.run(i, n));
  const m = db.prepare('INSERT INTO mdl VALUES (?, ?)');
  MODELS.forEach((n, i) => m.run(i, n));
  const endMs = Date.parse(`${lastDay}T23:59:59Z`);
  const spanMs = days * 86_400_000;
  db.exec(`
    WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c WHERE x < ${count - 1})
    INSERT INTO usage_events (key, at, day, service, model, provider, source, requests, input, output, cache_read,
      cache_write, cache_write_1h, reasoning, cost_micro, cost_source, pricing)
    SELECT 'log:bench:req:' || x,
      ${endMs - spanMs} + (x * ${Math.floor(spanMs / count)}),
      strftime('%Y-%m-%d', (${endMs - spanMs} + (x * ${Math.floor(spanMs / count)})) / 1000, 'unixepoch'),
      (SELECT name FROM svc WHERE i = (x * 7) % ${SERVICES.length}),
      (SELECT name FROM mdl WHERE i = (x * 3) % ${MODELS.length}),
      'anthropic', 'log', 1, 100 + x % 3000, 50 + x % 1200, x % 20000, x % 1500, 0, 0,
      CASE WHEN x % 997 = 0 THEN NULL ELSE 300 + x % 25000 END,
      CASE WHEN x % 997 = 0 THEN 'unpriced' ELSE 'computed' END, 'bench'
    FROM c;
    INSERT INTO usage_daily
    SELECT day, service, model, COUNT(*), SUM(requests), SUM(input), SUM(output), SUM(cache_read), SUM(cache_write),
      SUM(cache_write_1h), SUM(reasoning), COALESCE(SUM(cost_micro), 0), 0,
      SUM(CASE WHEN cost_micro IS NULL THEN requests ELSE 0 END),
      SUM(CASE WHEN cost_micro IS NULL THEN input + output + cache_read + cache_write + cache_write_1h ELSE 0 END)
    FROM usage_events GROUP BY day, service, model;
  `);
}
