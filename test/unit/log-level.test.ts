import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { levelName, lineLevel, parseLevel, passesLevel } from '../../agent/core/logs/level.js';
import { FIXTURES } from '../helpers/vigil.js';

const lines = (name: string) =>
  readFileSync(path.join(FIXTURES, 'logs', name), 'utf8')
    .trimEnd()
    .split('\n');

test('pino lines (real pino output): numeric levels 10…60', () => {
  const pino = lines('pino.log');
  assert.deepEqual(pino.map(lineLevel), [10, 20, 30, 40, 50, 40, 60, 30]);
  assert.deepEqual(
    pino.filter((l) => passesLevel(l, 40)).map((l) => (JSON.parse(l) as { msg: string }).msg),
    ['rate limit close: 90%', 'upstream failed', 'retrying', 'cannot bind port 4000'],
  );
  assert.equal(pino.filter((l) => passesLevel(l, parseLevel('error'))).length, 2);
});

test('structlog and other Python/JSON loggers: level, levelname, severity strings in any case', () => {
  const s = lines('structlog.log');
  assert.deepEqual(s.map(lineLevel), [20, 30, 40, 40, 50, null, null, null, 60, 40, 50, 30, null, null]);
  const warnOrWorse = s.filter((l) => passesLevel(l, parseLevel('warn')));
  assert.deepEqual(
    warnOrWorse.map((l) => {
      const o = JSON.parse(l) as { event?: string; message?: string };
      return o.event ?? o.message;
    }),
    [
      'slow tool call',
      'memory consolidation skipped',
      'tool call failed',
      'out of budget',
      'python-json-logger style',
      'GCP-style severity',
    ],
  );
  // Lines without a level (plain text, a traceback, JSON without one) never pass a filter, and all pass none.
  assert.equal(passesLevel('Traceback (most recent call last):', 10), false);
  assert.equal(s.filter((l) => passesLevel(l, null)).length, s.length);
});

test('level names and numbers for --level', () => {
  assert.deepEqual(
    ['trace', 'debug', 'INFO', 'warn', 'Warning', 'error', 'err', 'critical', 'fatal', '40', ' 50 '].map(
      parseLevel,
    ),
    [10, 20, 30, 40, 40, 50, 50, 60, 60, 40, 50],
  );
  for (const bad of ['', 'loud', '0', '101', '-1', '4.5']) assert.equal(parseLevel(bad), null, bad);
  assert.deepEqual([10, 25, 30, 45, 60, 70].map(levelName), [
    'trace',
    'debug',
    'info',
    'warn',
    'fatal',
    'fatal',
  ]);
});

test('not fooled: arrays, numbers as strings, nested levels, broken JSON', () => {
  assert.equal(lineLevel('[{"level":50}]'), null);
  assert.equal(lineLevel('{"level":"50"}'), null, 'a numeric string is not a level name');
  assert.equal(lineLevel('{"ctx":{"level":"error"}}'), null, 'only top-level keys count');
  assert.equal(lineLevel('{"level":50'), null);
  assert.equal(lineLevel('  {"level":"fatal"}  '), 60);
});
