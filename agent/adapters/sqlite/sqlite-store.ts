/** The Store port on SQLite (better-sqlite3): synchronous, prepared statements, WAL. */
import type BetterSqlite3 from 'better-sqlite3';
import type { NewEvent, VigilEvent } from '../../core/events.js';
import type { EventQuery, ServiceRecord, Store } from '../../ports/store.js';
import { openDatabase, type Database } from './db.js';
import { migrate } from './migrations.js';
import { sqliteLedgers } from './ledgers.js';
import { DEFAULT_EVENT_LIMIT, MAX_EVENT_LIMIT, eventPages } from './event-pages.js';
import type { StoreLedgers } from '../../ports/store-ledgers.js';
import {
  eventFromRow,
  eventParams,
  serviceFromRow,
  serviceParams,
  type EventRow,
  type ServiceRow,
} from './codec.js';

type Stmt = BetterSqlite3.Statement<unknown[], unknown>;

export class SqliteStore implements Store {
  /** Opens the database at `file` (see openDatabase) and applies pending migrations. */
  static open(file: string): SqliteStore {
    const db = openDatabase(file);
    try {
      migrate(db);
    } catch (err) {
      db.close();
      throw err;
    }
    return new SqliteStore(db);
  }

  private readonly insertEvent: Stmt;
  private readonly upsertServiceStmt: Stmt;
  private readonly deleteService: Stmt;
  private readonly selectServices: Stmt;
  private readonly selectState: Stmt;
  private readonly upsertState: Stmt;
  private readonly deleteState: Stmt;
  /** Event queries, one prepared statement per combination of filters (at most 16). */
  private readonly queries = new Map<string, Stmt>();
  private readonly appendTx: (events: readonly NewEvent[]) => VigilEvent[];
  private readonly dataVersion: Stmt;
  /**
   * The decoded service records, read again only when they may have changed: after a write through this
   * store (`gen`), or a commit by another connection (`PRAGMA data_version`, e.g. `vigil apply`). The agent
   * lists the services several times a second; decoding 20 specs each time was most of its idle CPU.
   * The records are frozen: callers share them.
   */
  private services: { gen: number; version: number; records: readonly ServiceRecord[] } | null = null;
  private gen = 0;
  readonly ledgers: StoreLedgers;

  /** Wraps an open, migrated database (SqliteStore.open does both). */
  constructor(readonly db: Database) {
    this.ledgers = sqliteLedgers(db);
    this.insertEvent = db.prepare(
      `INSERT INTO events (key, at, service, type, severity, message, exit, log_tail, data)
       VALUES (@key, @at, @service, @type, @severity, @message, @exit, @log_tail, @data)
       ON CONFLICT (key) DO NOTHING`,
    );
    this.upsertServiceStmt = db.prepare(
      `INSERT INTO services (name, unit, spec, hash, installed_at, updated_at)
       VALUES (@name, @unit, @spec, @hash, @installed_at, @updated_at)
       ON CONFLICT (name) DO UPDATE SET unit = excluded.unit, spec = excluded.spec, hash = excluded.hash,
         updated_at = excluded.updated_at`,
    );
    this.deleteService = db.prepare('DELETE FROM services WHERE name = ?');
    this.selectServices = db.prepare('SELECT * FROM services ORDER BY name');
    this.selectState = db.prepare('SELECT value FROM state WHERE key = ?').pluck();
    this.upsertState = db.prepare(
      'INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    this.deleteState = db.prepare('DELETE FROM state WHERE key = ?');
    this.dataVersion = db.prepare('PRAGMA data_version').pluck();
    this.appendTx = db.transaction((events: readonly NewEvent[]) => {
      const inserted: VigilEvent[] = [];
      for (const e of events) {
        const params = eventParams(e);
        const result = this.insertEvent.run(params);
        if (result.changes === 1)
          inserted.push(eventFromRow({ id: Number(result.lastInsertRowid), ...params }));
      }
      return inserted;
    });
  }

  /** Inserts the events whose key is new, in one transaction; returns those inserted, with their ids. */
  appendEvents(events: readonly NewEvent[]): VigilEvent[] {
    if (events.length === 0) return [];
    return this.appendTx(events);
  }

  /** queryEvents a page at a time (event-pages.ts). */
  eventPages(query: EventQuery): Iterable<VigilEvent[]> {
    return eventPages(this.db, query);
  }

  /**
   * Events matching every given filter; of those, the newest `limit` (default 200, clamped to
   * 0…10,000) by time (ties by id), returned oldest first. An empty `types` list means any type.
   */
  queryEvents(query: EventQuery): VigilEvent[] {
    const limit = Math.min(MAX_EVENT_LIMIT, Math.max(0, Math.floor(query.limit ?? DEFAULT_EVENT_LIMIT)));
    if (limit === 0) return [];
    const where: string[] = [];
    const params: Record<string, unknown> = { limit };
    if (query.since !== undefined) {
      where.push('at >= @since');
      params.since = query.since;
    }
    if (query.afterId !== undefined) {
      where.push('id > @afterId');
      params.afterId = query.afterId;
    }
    if (query.service !== undefined) {
      where.push('service = @service');
      params.service = query.service;
    }
    if (query.types !== undefined && query.types.length > 0) {
      where.push('type IN (SELECT value FROM json_each(@types))');
      params.types = JSON.stringify(query.types);
    }
    const shape = where.join(' AND ');
    let stmt = this.queries.get(shape);
    if (!stmt) {
      stmt = this.db.prepare(
        `SELECT * FROM (
           SELECT * FROM events ${shape ? `WHERE ${shape}` : ''} ORDER BY at DESC, id DESC LIMIT @limit
         ) ORDER BY at ASC, id ASC`,
      );
      this.queries.set(shape, stmt);
    }
    return (stmt.all(params) as EventRow[]).map(eventFromRow);
  }

  /** Inserts or replaces the record by name; on replace, the original installedAt is kept. */
  upsertService(record: ServiceRecord): void {
    this.gen++;
    this.upsertServiceStmt.run(serviceParams(record));
  }

  removeService(name: string): void {
    this.gen++;
    this.deleteService.run(name);
  }

  /** Every record, by name (frozen, shared between callers). */
  listServices(): ServiceRecord[] {
    const version = this.dataVersion.get() as number;
    const cached = this.services;
    if (cached && cached.gen === this.gen && cached.version === version) return [...cached.records];
    const records = (this.selectServices.all() as ServiceRow[]).map((row) => deepFreeze(serviceFromRow(row)));
    this.services = { gen: this.gen, version, records };
    return [...records];
  }

  getState<T>(key: string): T | undefined {
    const text = this.selectState.get(key) as string | undefined;
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }

  /** Stores value as JSON; setting undefined deletes the key. */
  setState(key: string, value: unknown): void {
    if (value === undefined) this.deleteState.run(key);
    else this.upsertState.run(key, JSON.stringify(value));
  }

  /** Runs fn in a transaction; nested calls become savepoints. fn must be synchronous. */
  transaction<T>(fn: () => T): T {
    const gen = this.gen;
    try {
      return this.db.transaction(fn)();
    } catch (err) {
      if (this.gen !== gen) this.services = null; // it wrote services and rolled back: forget what was read meanwhile
      throw err;
    }
  }

  /**
   * Runs PRAGMA optimize and closes the database; later calls do nothing. optimize is only a hint: when
   * it cannot write (a full disk) the database closes all the same and nothing committed is lost, so that
   * failure is not thrown (it used to end the agent, hiding the write error that mattered).
   */
  close(): void {
    if (!this.db.open) return;
    try {
      this.db.pragma('optimize');
    } catch {
      // see above: nothing to recover, and the close below still happens
    } finally {
      this.db.close();
    }
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
