/** Titles of usage notices keep their colons (times, labels, model names). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { noticeTitle } from '../../agent/core/alerts/notice-title.js';

describe('notice titles', () => {
  it('keep the colons of times, budget labels and model names', () => {
    assert.equal(
      noticeTitle('spend-spike', 'Spend this hour (06:00) is $16.00, above the hourly cap of $10.00'),
      'Spend this hour (06:00) is $16.00',
    );
    assert.equal(
      noticeTitle(
        'budget-threshold',
        'Daily budget 2026-12-02: $8.00 of $10.00 spent (80 %, threshold 80 %)',
      ),
      'Daily budget 2026-12-02: $8.00 of $10.00 spent',
    );
    assert.equal(
      noticeTitle(
        'runaway',
        'core looks like a runaway: 45000 tokens/min, 9× its norm of 5000/min, for 15 min',
      ),
      'core looks like a runaway',
    );
    assert.equal(
      noticeTitle(
        'unpriced-model',
        'llama3:8b (ollama) has no known price: its tokens are recorded as unpriced',
      ),
      'llama3:8b (ollama) has no known price',
    );
  });

  it('another message is its own title, shortened when long', () => {
    assert.equal(
      noticeTitle('budget-resumed', 'core started again: new period'),
      'core started again: new period',
    );
    const long = noticeTitle('budget-resumed', 'x'.repeat(300));
    assert.equal(long.length, 120);
    assert.ok(long.endsWith('…'));
  });
});
