/** The manifest's pure helpers: sizes and percentages (units.ts), dependency order (deps.ts). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, parseCpuPercent, parseMemoryBytes } from '../../agent/core/manifest/units.js';
import { dependantsOf, dependencyOrder } from '../../agent/core/manifest/deps.js';

const K = 1024;
const M = 1024 ** 2;
const G = 1024 ** 3;
const T = 1024 ** 4;

describe('parseMemoryBytes', () => {
  it('reads sizes in binary multiples, with or without B / iB, any case, spaces allowed', () => {
    const cases: [string | number, number][] = [
      ['512M', 512 * M],
      ['2G', 2 * G],
      ['2g', 2 * G],
      ['2GB', 2 * G],
      ['2GiB', 2 * G],
      ['2gib', 2 * G],
      ['1.5G', 1.5 * G],
      ['0.5K', 512],
      ['1T', T],
      ['64 K', 64 * K],
      [' 100M ', 100 * M],
      ['1000', 1000],
      ['1000B', 1000],
      [1048576, M],
    ];
    for (const [input, bytes] of cases) assert.equal(parseMemoryBytes(input), bytes, String(input));
  });

  it('rejects anything else', () => {
    const bad: (string | number)[] = [
      '',
      'G',
      '2X',
      '2P',
      '-1G',
      '0',
      '0G',
      '0.0001K',
      '1.5',
      '2iB',
      '2 G B',
      '1e3',
      'lots',
      0,
      -5,
      1.5,
      NaN,
      Infinity,
      2 ** 53,
      '9000000T',
    ];
    for (const input of bad) assert.equal(parseMemoryBytes(input), null, JSON.stringify(String(input)));
  });
});

describe('parseCpuPercent', () => {
  it('reads a percentage of one core, or a plain number of percent', () => {
    const cases: [string | number, number][] = [
      ['200%', 200],
      ['50 %', 50],
      [' 12.5% ', 12.5],
      ['100000%', 100_000],
      [150, 150],
      [0.5, 0.5],
    ];
    for (const [input, pct] of cases) assert.equal(parseCpuPercent(input), pct, String(input));
  });

  it('rejects anything else', () => {
    for (const input of [
      '200',
      '%',
      '',
      '0%',
      '-5%',
      '100001%',
      'fast',
      '5%%',
      0,
      -1,
      NaN,
      Infinity,
      100_001,
    ]) {
      assert.equal(parseCpuPercent(input), null, String(input));
    }
  });
});

describe('formatBytes', () => {
  it('uses the largest exact binary unit, and plain bytes otherwise', () => {
    const cases: [number, string][] = [
      [0, '0'],
      [1000, '1000'],
      [K, '1K'],
      [1536, '1536'],
      [1536 * K, '1536K'],
      [512 * M, '512M'],
      [1.5 * G, '1536M'],
      [2 * G, '2G'],
      [3 * T, '3T'],
      [1024 * T, '1024T'],
    ];
    for (const [bytes, text] of cases) assert.equal(formatBytes(bytes), text, String(bytes));
  });

  it('round-trips through parseMemoryBytes', () => {
    for (const bytes of [1, 1000, K, 1536, 7 * M, 1.5 * G, 5 * T])
      assert.equal(parseMemoryBytes(formatBytes(bytes)), bytes);
  });
});

type S = { name: string; dependsOn: string[] };
const s = (name: string, ...dependsOn: string[]): S => ({ name, dependsOn });
const names = (r: { sorted: S[] } | { cycle: string[] }) => {
  assert.ok('sorted' in r, `unexpected cycle ${JSON.stringify(r)}`);
  return r.sorted.map((x) => x.name);
};

describe('dependencyOrder', () => {
  it('keeps manifest order when nothing depends on anything', () => {
    assert.deepEqual(names(dependencyOrder([s('c'), s('a'), s('b')])), ['c', 'a', 'b']);
    assert.deepEqual(names(dependencyOrder([])), []);
  });

  it('places every item after its dependencies, each once (chains and diamonds)', () => {
    assert.deepEqual(names(dependencyOrder([s('app', 'db'), s('db')])), ['db', 'app']);
    const diamond = [s('top', 'left', 'right'), s('left', 'base'), s('right', 'base'), s('base'), s('lone')];
    assert.deepEqual(names(dependencyOrder(diamond)), ['base', 'left', 'right', 'top', 'lone']);
  });

  it('returns the items themselves', () => {
    const items = [s('a', 'b'), s('b')];
    const r = dependencyOrder(items);
    assert.ok('sorted' in r);
    assert.equal(r.sorted[0], items[1]);
    assert.equal(r.sorted[1], items[0]);
  });

  it('ignores dependencies on names that are not among the items', () => {
    assert.deepEqual(names(dependencyOrder([s('a', 'ghost'), s('b')])), ['a', 'b']);
  });

  it('reports a cycle as the chain that closes it', () => {
    assert.deepEqual(dependencyOrder([s('a', 'b'), s('b', 'a')]), { cycle: ['a', 'b', 'a'] });
    assert.deepEqual(dependencyOrder([s('x'), s('a', 'b'), s('b', 'c'), s('c', 'b')]), {
      cycle: ['b', 'c', 'b'],
    });
    assert.deepEqual(dependencyOrder([s('self', 'self')]), { cycle: ['self', 'self'] });
  });
});

describe('dependantsOf', () => {
  const items = [
    s('proxy'),
    s('core', 'proxy'),
    s('worker', 'core'),
    s('monitor'),
    s('watch', 'worker', 'monitor'),
  ];

  it('lists the transitive dependants in the order of the items, without the service itself', () => {
    assert.deepEqual(
      dependantsOf(items, 'proxy').map((x) => x.name),
      ['core', 'worker', 'watch'],
    );
    assert.deepEqual(
      dependantsOf(items, 'monitor').map((x) => x.name),
      ['watch'],
    );
  });

  it('is empty for a leaf and for an unknown name', () => {
    assert.deepEqual(dependantsOf(items, 'watch'), []);
    assert.deepEqual(dependantsOf(items, 'nope'), []);
  });

  it('terminates on a cycle', () => {
    assert.deepEqual(
      dependantsOf([s('a', 'b'), s('b', 'a'), s('c', 'a')], 'a').map((x) => x.name),
      ['b', 'c'],
    );
  });
});
