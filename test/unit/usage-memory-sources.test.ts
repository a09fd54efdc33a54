/**
 * What the agent's memory while reading usage depends on beyond the heap bounds (test/unit/usage-memory-bounds.test.ts):
 * the zone's name for replies without Intl's locale data, the price table from genai-prices' compact build,
 * and read buffers reused once their chunk is parsed (test/bench/RESULTS-usage.md §5). Each test fails when
 * its change is undone.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostZoneName, type ZoneSources } from '../../agent/adapters/host/zone-name.js';
import { FileUsageLogReader } from '../../agent/adapters/usage/log-reader.js';

const MB = 1024 * 1024;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Runs an ES module script in a fresh node (the agent's flags, --expose-gc) and parses its JSON output. */
function fresh<T>(script: string): T {
  const out = execFileSync(
    process.execPath,
    ['--expose-gc', '--no-opt', '--no-sparkplug', '--import', 'tsx', '--input-type=module', '-e', script],
    { cwd: ROOT, encoding: 'utf8' },
  );
  return JSON.parse(out) as T;
}

const zones = (env: NodeJS.ProcessEnv, link: string | null, files: string[]): ZoneSources => ({
  env,
  readlink: (p) => {
    if (p !== '/etc/localtime' || link === null) throw Object.assign(new Error('EINVAL'), { code: 'EINVAL' });
    return link;
  },
  exists: (p) => files.includes(p),
});

describe("the zone's name without Intl", () => {
  it('is TZ when it names a zoneinfo file, else the /etc/localtime link; UTC by its aliases; null when unnamed', () => {
    const paris = ['/usr/share/zoneinfo/Europe/Paris'];
    assert.equal(hostZoneName(zones({ TZ: 'Europe/Paris' }, null, paris)), 'Europe/Paris');
    assert.equal(hostZoneName(zones({ TZ: ':Europe/Paris' }, null, paris)), 'Europe/Paris');
    assert.equal(
      hostZoneName(zones({ TZ: '/usr/share/zoneinfo/Europe/Paris' }, null, paris)),
      'Europe/Paris',
    );
    assert.equal(hostZoneName(zones({ TZ: 'Nowhere/Land' }, null, paris)), null);
    assert.equal(hostZoneName(zones({ TZ: 'CET-1CEST' }, null, paris)), null, 'a POSIX rule: ask Intl');
    assert.equal(hostZoneName(zones({ TZ: '../../etc/passwd' }, null, paris)), null);
    assert.equal(hostZoneName(zones({}, '/usr/share/zoneinfo/Etc/UTC', [])), 'UTC');
    assert.equal(hostZoneName(zones({}, '../usr/share/zoneinfo/posix/Asia/Tokyo', [])), 'Asia/Tokyo');
    assert.equal(hostZoneName(zones({}, '/usr/share/zoneinfo/America/New_York', [])), 'America/New_York');
    assert.equal(hostZoneName(zones({}, null, [])), null, 'a copied /etc/localtime: ask Intl');
  });

  it("names this machine's zone as Intl does", () => {
    const name = hostZoneName();
    if (name !== null) assert.equal(name, Intl.DateTimeFormat().resolvedOptions().timeZone);
  });

  it("costs no ICU locale data: RSS grows by under 1.5 MB where Intl's answer costs over 3 MB", () => {
    const script = (how: string) => `import fs from 'node:fs';
      const { hostZoneName } = await import('./agent/adapters/host/zone-name.ts');
      const rss = () => Number(/VmRSS:\\s+(\\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
      const before = rss();
      const name = ${how};
      process.stdout.write(JSON.stringify([after = rss() - before, name]));
      var after;`;
    const [intl] = fresh<[number, string]>(script('Intl.DateTimeFormat().resolvedOptions().timeZone'));
    assert.ok(intl > 3 * MB, `Intl's name added ${(intl / MB).toFixed(1)} MB (else this test shows nothing)`);
    const [own, name] = fresh<[number, string | null]>(script('hostZoneName()'));
    assert.ok(name !== null, 'this machine names its zone');
    assert.ok(own < 1.5 * MB, `hostZoneName() added ${(own / MB).toFixed(1)} MB`);
  });
});

describe("genai-prices' table", () => {
  it('is loaded from the compact (CommonJS) build: under 2.3 MB of live heap, where the ES build holds ~3 MB', () => {
    const script = (load: string) => `import v8 from 'node:v8';
      const used = () => { gc(); gc(); return v8.getHeapStatistics().used_heap_size; };
      const { GenaiPriceCatalog } = await import('./agent/adapters/pricing/genai-catalog.ts');
      const c = new GenaiPriceCatalog();
      const before = used();
      ${load}
      process.stdout.write(JSON.stringify(used() - before));`;
    const esm = fresh<number>(script(`globalThis.m = await import('@pydantic/genai-prices');`));
    assert.ok(esm > 2.6 * MB, `the ES build held ${(esm / MB).toFixed(2)} MB (else this test shows nothing)`);
    const ours = fresh<number>(
      script(
        `await c.ready(); if (!c.quote('claude-sonnet-4-5', 'anthropic', Date.now())) throw new Error('no price');`,
      ),
    );
    assert.ok(ours < 2.3 * MB, `the catalog's table holds ${(ours / MB).toFixed(2)} MB`);
  });
});

describe('read buffers', () => {
  it('a released chunk’s buffer takes the next read; one not released is never written over', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bufs-'));
    const file = path.join(dir, 'svc.log');
    const lines = Array.from(
      { length: 400 },
      (_, i) => `line ${String(i).padStart(4, '0')} ${'x'.repeat(90)}\n`,
    );
    fs.writeFileSync(file, lines.join(''));
    const reader = new FileUsageLogReader();
    try {
      const a = (await reader.read(file, null, 4096))!;
      const aText = Buffer.from(a.data).toString();
      const b = (await reader.read(file, a.next, 4096))!;
      assert.notEqual(b.data.buffer, a.data.buffer, 'not released: a new buffer');
      assert.equal(Buffer.from(a.data).toString(), aText, 'the unreleased chunk is intact');
      reader.release(b);
      const c = (await reader.read(file, b.next, 4096))!;
      assert.equal(c.data.buffer, b.data.buffer, 'released: its buffer is read into again');
      // Every line once, in order, with buffers reused all along (from b's cursor on: b's bytes were written over).
      let text = aText;
      let cursor = a.next;
      let reused = 0;
      const seen = new Set<ArrayBufferLike>();
      for (;;) {
        const next = await reader.read(file, cursor, 4096);
        if (!next) break;
        if (seen.has(next.data.buffer)) reused++;
        seen.add(next.data.buffer);
        text += Buffer.from(next.data).toString();
        cursor = next.next;
        reader.release(next);
      }
      assert.equal(text, lines.join(''));
      assert.ok(reused >= 5, `${reused} reads reused a buffer`);
    } finally {
      await reader.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
