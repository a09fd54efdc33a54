/** `vigil doctor`'s space report over a real VIGIL_HOME tree and a fake statfs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { vigilPaths } from '../../agent/core/paths.js';
import { diskChecks, spaceUse } from '../../agent/cli/commands/doctor-disk.js';
import { diskLine } from '../../agent/cli/commands/status.js';
import type { DiskStatus } from '../../agent/core/disk/condition.js';

const MiB = 1024 * 1024;

function home() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-doctor-disk-'));
  const paths = vigilPaths({ HOME: dir, VIGIL_HOME: path.join(dir, 'v') });
  fs.mkdirSync(paths.logs, { recursive: true });
  fs.mkdirSync(path.dirname(paths.exits), { recursive: true });
  fs.writeFileSync(path.join(paths.logs, 'web.log'), Buffer.alloc(3 * MiB, 1));
  fs.writeFileSync(path.join(paths.logs, 'web.log.1'), Buffer.alloc(1 * MiB, 1));
  fs.writeFileSync(paths.exits, '1 web exit-code exited 3\n');
  fs.writeFileSync(paths.db, Buffer.alloc(2 * MiB, 1));
  fs.writeFileSync(`${paths.db}-wal`, Buffer.alloc(MiB / 2, 1));
  const pending = Buffer.alloc(256 * 256);
  pending.write('1796219783.806824099 web signal killed KILL\n', 0);
  pending.write('1796219783.813119634 db signal killed TERM\n', 256 * 7);
  fs.writeFileSync(`${paths.exits}.pending`, pending);
  return { dir, paths };
}

test('where the space went: logs/, state/, the database with its WAL, the biggest files', () => {
  const { dir, paths } = home();
  try {
    const u = spaceUse(paths);
    assert.ok(u.logs >= 4 * MiB && u.logs < 4.2 * MiB, `logs ${u.logs}`);
    assert.ok(u.database >= 2.5 * MiB && u.database < 2.7 * MiB, `database ${u.database}`);
    assert.ok(u.state >= 64 * 1024 && u.state < 100 * 1024, `state ${u.state}`);
    assert.deepEqual(
      u.biggest.map((b) => b.file),
      ['logs/web.log', 'vigil.db', 'logs/web.log.1'],
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a full disk fails the check with the free bytes and the parts; kept exit records and the agent condition are reported', () => {
  const { dir, paths } = home();
  try {
    const agent: DiskStatus = {
      state: 'disk-full',
      since: '2026-12-02T12:00:00.000Z',
      what: 'the database (supervisor tick)',
      message:
        'cannot write the database (supervisor tick): SQLITE_FULL: database or disk is full; 0 B free of 20.0 MiB on /v',
      freeBytes: 0,
      totalBytes: 20 * MiB,
      failures: 4,
      pendingEvents: 2,
      pendingExits: 2,
    };
    const checks = diskChecks(
      paths,
      { space: (p) => ({ path: p, freeBytes: 0, totalBytes: 20 * MiB }) },
      agent,
    );
    const [space, exits, cond] = checks;
    assert.equal(space!.level, 'fail');
    assert.match(
      space!.message,
      /^disk full: 0 B free of 20\.0 MiB on .*\/v — VIGIL_HOME uses logs\/ 4\.0 MiB, state\/ \d+\.\d KiB, database 2\.5 MiB, other 0 B; biggest: logs\/web\.log 3\.0 MiB, vigil\.db 2\.0 MiB, logs\/web\.log\.1 1\.0 MiB$/,
    );
    assert.match(exits!.message, /^2 exit record\(s\) kept in .*exits\.log\.pending/);
    assert.equal(cond!.level, 'fail');
    assert.match(cond!.message, /SQLITE_FULL.*4 failed write\(s\), 2 event\(s\) kept in memory/);
    assert.match(
      diskLine({ services: [], disk: agent }),
      /^\nDISK FULL since 2026-12-02T12:00:00\.000Z: cannot write .*; 2 event\(s\) and 2 exit record\(s\) kept until space is freed\n$/,
    );

    const roomy = diskChecks(
      paths,
      { space: (p) => ({ path: p, freeBytes: 50 * 1024 ** 3, totalBytes: 100 * 1024 ** 3 }) },
      { ...agent, state: 'ok' },
    );
    assert.deepEqual(
      roomy.map((c) => [c.name, c.level]),
      [
        ['disk space', 'ok'],
        ['exit records', 'warn'],
      ],
    );
    assert.equal(diskLine({ services: [], disk: { ...agent, state: 'ok' } }), '');
    assert.equal(diskChecks(paths, { space: () => null }, null)[0]!.level, 'warn');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
