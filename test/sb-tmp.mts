import { existsSync } from 'node:fs';
import { writeBigLog } from './helpers/biglog.ts';
import { searchLog } from '../agent/adapters/logs/search.ts';
const f = '/tmp/sb/big1g.log';
if (!existsSync(f)) writeBigLog(f, 1024 ** 3);
for (let i = 0; i < 4; i++) {
  const t0 = performance.now();
  const r = await searchLog(f, { pattern: 'NEEDLE-', regex: false, ignoreCase: false, limit: 10000, timeoutMs: 100000, level: null });
  console.log('fixed', r.matches.length, (performance.now() - t0).toFixed(0));
}
const t1 = performance.now();
const r2 = await searchLog(f, { pattern: '[0-9]{3}[a-z]{2}"', regex: true, ignoreCase: false, limit: 10000, timeoutMs: 100000, level: null });
console.log('regex-noliteral', r2.matches.length, (performance.now() - t1).toFixed(0));
