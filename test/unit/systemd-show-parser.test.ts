import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseShow, toObservedStatus } from '../../agent/adapters/systemd/show-parser.js';

/** Real `systemctl --user show` output (systemd 252.38, Debian 12): see test/fixtures/systemd/README.md. */
function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/systemd/${name}`, import.meta.url), 'utf8');
}

function statusOf(file: string, service: string) {
  const unit = `vigil-${service}.service`;
  return toObservedStatus(service, unit, parseShow(fixture(file)).get(unit));
}

test('a running unit', () => {
  assert.deepEqual(statusOf('show-running.txt', 'fx-running'), {
    service: 'fx-running',
    unit: 'vigil-fx-running.service',
    loaded: true,
    active: 'active',
    sub: 'running',
    pid: 7112,
    restarts: 0,
    restartsCountRefused: true,
    result: 'success',
    lastExit: null,
    since: 1795729948_000,
    memoryBytes: null,
    cpuNsec: null,
  });
});

test('a unit restarted after kill -9: restarts counted, new pid, exit status reset by systemd', () => {
  const s = statusOf('show-killed.txt', 'fx-killed');
  assert.equal(s.loaded, true);
  assert.equal(s.active, 'active');
  assert.equal(s.sub, 'running');
  assert.equal(s.pid, 7128);
  assert.equal(s.restarts, 1);
  assert.equal(s.lastExit, null);
  assert.equal(s.since, 1795729951_000);
});

test('a unit that exits 3 until it hits its start limit', () => {
  const s = statusOf('show-failed.txt', 'fx-failed');
  assert.equal(s.active, 'failed');
  assert.equal(s.sub, 'failed');
  assert.equal(s.pid, null);
  assert.equal(s.restarts, 3);
  assert.equal(s.result, 'exit-code');
  assert.deepEqual(s.lastExit, { code: 3, signal: null });
  const again = statusOf('show-start-limit-hit.txt', 'fx-failed');
  assert.equal(again.active, 'failed');
  assert.equal(again.since, 1795729961_000);
});

test('a missing unit: LoadState=not-found → loaded=false', () => {
  const s = statusOf('show-missing.txt', 'fx-missing');
  assert.equal(s.loaded, false);
  assert.equal(s.active, 'inactive');
  assert.equal(s.sub, 'dead');
  assert.equal(s.pid, null);
  assert.equal(s.since, null, 'empty StateChangeTimestamp= is missing');
  assert.equal(s.lastExit, null);
});

test('a stopped unit: killed by SIGTERM, result success', () => {
  const s = statusOf('show-stopped.txt', 'fx-stopped');
  assert.equal(s.loaded, true);
  assert.equal(s.active, 'inactive');
  assert.equal(s.sub, 'dead');
  assert.equal(s.pid, null);
  assert.equal(s.result, 'success');
  assert.deepEqual(s.lastExit, { code: null, signal: 'SIGTERM' });
});

test('the batched output splits into one block per unit, keyed by Id', () => {
  const byUnit = parseShow(fixture('show-batch.txt'));
  assert.deepEqual(
    [...byUnit.keys()],
    ['running', 'killed', 'failed', 'missing', 'stopped'].map((n) => `vigil-fx-${n}.service`),
  );
  for (const [unit, props] of byUnit) {
    assert.equal(props.Id, unit);
    assert.equal(props.MemoryCurrent, undefined, '[not set] is missing');
    assert.equal(props.CPUUsageNSec, undefined);
  }
  assert.equal(byUnit.get('vigil-fx-missing.service')?.StateChangeTimestamp, undefined, 'empty is missing');
  const single = parseShow(fixture('show-killed.txt')).get('vigil-fx-killed.service');
  assert.deepEqual(byUnit.get('vigil-fx-killed.service'), single);
});

test('a unit absent from the output is not loaded', () => {
  const s = toObservedStatus(
    'ghost',
    'vigil-ghost.service',
    parseShow(fixture('show-batch.txt')).get('vigil-ghost.service'),
  );
  assert.equal(s.loaded, false);
  assert.equal(s.active, 'unknown');
  assert.equal(s.sub, 'unknown');
  assert.equal(s.restarts, 0);
  assert.equal(s.result, null);
});

// Accounting values are [not set] on the recording machine (hybrid cgroups); this block is hand-written.
test('memory and CPU counters, uint64 max and core dumps', () => {
  const text = [
    'Id=vigil-a.service',
    'LoadState=loaded',
    'ActiveState=activating',
    'SubState=auto-restart',
    'ExecMainCode=3',
    'ExecMainStatus=11',
    'MemoryCurrent=7340032',
    'CPUUsageNSec=18446744073709551615',
    'StateChangeTimestamp=@1795729948.250',
    '',
    'Id=vigil-b.service',
    'LoadState=masked',
    'ActiveState=weird',
    'MemoryCurrent=18446744073709551615',
    'CPUUsageNSec=123456789',
    'ExecMainCode=2',
    'ExecMainStatus=9',
    '',
  ].join('\n');
  const units = parseShow(text);
  const a = toObservedStatus('a', 'vigil-a.service', units.get('vigil-a.service'));
  assert.equal(a.memoryBytes, 7340032);
  assert.equal(a.cpuNsec, null);
  assert.equal(a.active, 'activating');
  assert.equal(a.sub, 'auto-restart');
  assert.deepEqual(a.lastExit, { code: null, signal: 'SIGSEGV' });
  assert.equal(a.since, 1795729948_250);
  const b = toObservedStatus('b', 'vigil-b.service', units.get('vigil-b.service'));
  assert.equal(b.loaded, false);
  assert.equal(b.active, 'unknown');
  assert.equal(b.memoryBytes, null);
  assert.equal(b.cpuNsec, 123456789);
  assert.deepEqual(b.lastExit, { code: null, signal: 'SIGKILL' });
});
