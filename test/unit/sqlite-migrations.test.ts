import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { SqliteStore } from '../../agent/adapters/sqlite/sqlite-store.js';
import { openDatabase } from '../../agent/adapters/sqlite/db.js';
import { MIGRATIONS, migrate, schemaVersion } from '../../agent/adapters/sqlite/migrations.js';
import { VigilError } from '../../agent/core/errors.js';
import { tempDbPath as tempDb } from '../helpers/temp-db.js';

function isStoreError(err: unknown): boolean {
  return err instanceof VigilError && err.code === 'E_STORE';
}

test('migrations run once; re-open is a no-op and keeps user_version', () => {
  const file = tempDb();
  SqliteStore.open(file).close();
  const db = openDatabase(file);
  assert.equal(schemaVersion(db), MIGRATIONS.length);
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'index') ORDER BY name")
    .pluck()
    .all();
  // Migration 1's tables (later migrations add their own, checked by their tests).
  for (const name of [
    'events',
    'events_at',
    'events_service_at',
    'services',
    'sqlite_autoindex_events_1',
    'sqlite_autoindex_services_1',
    'state',
  ]) {
    assert.ok(tables.includes(name), `${name} missing`);
  }
  assert.deepEqual(migrate(db), { from: MIGRATIONS.length, to: MIGRATIONS.length, applied: [] });
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  assert.equal(db.pragma('synchronous', { simple: true }), 1); // NORMAL
  db.close();
  const store = SqliteStore.open(file);
  assert.equal(schemaVersion(store.db), MIGRATIONS.length);
  store.close();
  store.close(); // idempotent
});

test('migrate applies appended migrations in order, each once', () => {
  const db = openDatabase(tempDb());
  const first = MIGRATIONS.slice(0, 1);
  const extra = [
    ...first,
    {
      version: 2,
      name: 'extra',
      up: (d: typeof db) => d.exec('CREATE TABLE extra (x INTEGER)'),
    },
  ];
  assert.deepEqual(migrate(db, first).applied, ['1 services, events, state']);
  assert.deepEqual(migrate(db, extra), { from: 1, to: 2, applied: ['2 extra'] });
  assert.deepEqual(migrate(db, extra).applied, []);
  db.close();
});

test('a failing migration leaves the database at the previous version', () => {
  const db = openDatabase(tempDb());
  const broken = [
    ...MIGRATIONS.slice(0, 1),
    {
      version: 2,
      name: 'broken',
      up: (d: typeof db) => d.exec('CREATE TABLE half (x); SELECT * FROM missing_table'),
    },
  ];
  assert.throws(() => migrate(db, broken));
  assert.equal(schemaVersion(db), 1);
  assert.equal(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'half'").pluck().get(), 0);
  db.close();
});

test('a database newer than the code is refused with E_STORE', () => {
  const file = tempDb();
  SqliteStore.open(file).close();
  const raw = new BetterSqlite3(file);
  raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
  raw.close();
  assert.throws(
    () => SqliteStore.open(file),
    (err) =>
      isStoreError(err) &&
      /newer Vigil/.test((err as Error).message) &&
      (err as Error).message.includes(file),
  );
});

test('a corrupt file is refused with E_STORE naming it', () => {
  const file = tempDb();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, 'this is not a database, just bytes'.repeat(200));
  assert.throws(
    () => openDatabase(file),
    (err) => isStoreError(err) && (err as Error).message.includes(file),
  );
});

test('files are private (0600, dir 0700) even under umask 0', () => {
  const old = process.umask(0);
  try {
    const file = tempDb();
    const store = SqliteStore.open(file);
    store.setState('m', 1);
    const mode = (p: string) => fs.statSync(p).mode & 0o777;
    assert.equal(mode(path.dirname(file)), 0o700);
    assert.equal(mode(file), 0o600);
    assert.ok(fs.existsSync(`${file}-wal`), 'WAL file exists while open');
    assert.equal(mode(`${file}-wal`), 0o600);
    if (fs.existsSync(`${file}-shm`)) assert.equal(mode(`${file}-shm`), 0o600);
    store.close();
    // a file left world-readable is tightened on open
    fs.chmodSync(file, 0o644);
    SqliteStore.open(file).close();
    assert.equal(mode(file), 0o600);
    // so are -wal/-shm files left by another connection
    const other = new BetterSqlite3(file);
    other.prepare('INSERT INTO state (key, value) VALUES (?, ?)').run('k', '1');
    fs.chmodSync(`${file}-wal`, 0o644);
    fs.chmodSync(`${file}-shm`, 0o644);
    const again = SqliteStore.open(file);
    assert.equal(mode(`${file}-wal`), 0o600);
    assert.equal(mode(`${file}-shm`), 0o600);
    again.close();
    other.close();
  } finally {
    process.umask(old);
  }
});
