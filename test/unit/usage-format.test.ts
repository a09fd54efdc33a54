/** `vigil usage` and `vigil budget` text output. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { budgetText, compact, resumeText, usageText } from '../../agent/cli/usage-format.js';
import { fakeBudget, fakeUsageReport } from '../helpers/usage-fakes.js';

describe('usage and budget text', () => {
  it('a usage table with a total, reported and unpriced marks, and sources with problems', () => {
    const r = fakeUsageReport({ day: '2026-11-26' });
    r.rows.push({
      ...r.rows[0]!,
      key: 'proxy',
      reportedMicro: 4500,
      unpricedRequests: 2,
      unpricedTokens: 300,
    });
    r.unpricedModels = [{ model: 'acme', service: 'proxy', requests: 2, tokens: 300 }];
    r.sources = [
      {
        service: 'proxy',
        kind: 'litellm',
        ok: false,
        at: null,
        error: 'http://x/metrics: connection refused',
        entries: 0,
        rejected: 0,
      },
      {
        service: 'web',
        kind: 'log',
        ok: true,
        at: null,
        error: null,
        entries: 5,
        rejected: 1203,
        reasons: {
          'the event has no "model"': 3,
          'the line is not valid JSON (cut short, or not JSON)': 1200,
        },
        gaps: 1,
        lastGap: 'web.log: the file … is gone',
      },
      {
        service: 'fine',
        kind: 'log',
        ok: true,
        at: null,
        error: null,
        entries: 5,
        rejected: 0,
        reasons: {},
        gaps: 0,
        lastGap: null,
      },
    ];
    const text = usageText(r);
    assert.match(text, /^Usage 2026-11-26 \(UTC\), by service\n/);
    assert.match(
      text,
      /SERVICE\s+REQUESTS\s+INPUT\s+OUTPUT\s+REASONING\s+CACHE READ\s+CACHE WRITE\s+COST\s+UNPRICED/,
    );
    assert.match(text, /web\s+1\s+1,000\s+100\s+-\s+-\s+-\s+\$0\.0045\s+-/);
    assert.match(text, /proxy .*\$0\.0045 \(reported\)\s+2 req, 300 tok/);
    assert.match(text, /TOTAL/);
    assert.match(text, /acme \(proxy\): 2 requests, 300 tokens/);
    assert.match(text, /proxy \(litellm\): failing: http:\/\/x\/metrics: connection refused/);
    // Unusable lines by reason (most first), and lines lost to rotation, though the source itself works.
    assert.match(
      text,
      /web \(log\): 1,203 unusable llm_usage lines: 1,200 × the line is not valid JSON \(cut short, or not JSON\); 3 × the event has no "model"; lines lost to rotation 1 time\(s\), last: web\.log: the file … is gone\n/,
    );
    assert.doesNotMatch(text, /fine \(log\)/);
    assert.equal(compact(1_234_567), '1.23M');
  });

  it('a model with no known price says "unpriced", never $0.00; a free priced one is $0.00', () => {
    const r = fakeUsageReport({ day: '2026-11-26', by: 'model' });
    r.rows = [
      { ...r.rows[0]!, key: 'acme-1', costMicro: 0, costUsd: 0, unpricedRequests: 3, unpricedTokens: 900 },
      { ...r.rows[0]!, key: 'free-1', costMicro: 0, costUsd: 0, unpricedRequests: 0, unpricedTokens: 0 },
    ];
    const text = usageText(r);
    assert.match(text, /^acme-1\s+1\s+1,000\s+100\s+-\s+-\s+-\s+unpriced\s+3 req, 900 tok$/m);
    assert.match(text, /^free-1\s+.*\s\$0\.00\s+-$/m);
    assert.doesNotMatch(
      text.split('\n').find((l) => l.startsWith('acme-1'))!,
      /\$0\.00/,
    );
  });

  it('budget status and resume', () => {
    const b = fakeBudget();
    b.state = 'exceeded';
    b.scopes = [
      {
        scope: 'service:web',
        label: 'Daily cap of web',
        period: '2026-11-26',
        capMicro: 1_000_000,
        capUsd: 1,
        spendMicro: 1_200_000,
        spendUsd: 1.2,
        pct: 120,
        onExceed: 'stop',
        targets: ['web'],
        lifted: false,
      },
    ];
    b.stopped = [
      {
        service: 'web',
        at: '2026-11-26T10:00:00.000Z',
        scope: 'service:web',
        period: '2026-11-26',
        capMicro: 1_000_000,
        spendMicro: 1_200_000,
      },
    ];
    const text = budgetText(b, Date.parse('2026-11-26T10:30:00Z'));
    assert.match(text, /Budget \(UTC\): EXCEEDED/);
    assert.match(text, /today 2026-11-26: \$0\.0045 of \$10\.00/);
    assert.match(text, /Daily cap of web\s+2026-11-26\s+\$1\.20\s+\$1\.00\s+120\.0\s+stop web/);
    assert.match(text, /web: its daily cap 2026-11-26 \(\$1\.20 of \$1\.00\), 30 min ago/);
    assert.equal(
      resumeText({
        resumed: ['web'],
        raised: [{ scope: 'service:web', period: '2026-11-26', capMicro: 2_000_000, lifted: false }],
        budget: b,
      }),
      'Raised service:web for 2026-11-26 to $2.00.\nStarted: web.\n',
    );
  });
});
