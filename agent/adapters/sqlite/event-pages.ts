/**
 * The events a query selects (the same as SqliteStore.queryEvents: the newest `limit` matching the
 * filters, oldest first), read a page at a time, so a reply of 10,000 events with their log tails never
 * exists in memory at once. Pages are read by key (at, id) between the oldest and the newest selected
 * event as they were at the start: each page is its own statement (no cursor stays open between pages),
 * and events stored meanwhile are not added to a reply that began before them.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { VigilEvent } from '../../core/events.js';
import type { EventQuery } from '../../ports/store.js';
import type { Database } from './db.js';
import { eventFromRow, type EventRow } from './codec.js';

/** How many events a query selects when it names no limit, and at most (queryEvents and the pages alike). */
export const DEFAULT_EVENT_LIMIT = 200;
export const MAX_EVENT_LIMIT = 10_000;

export const EVENT_PAGE = 200;

type Stmt = BetterSqlite3.Statement<unknown[], unknown>;
interface Key {
  at: number;
  id: number;
}

const statements = new WeakMap<Database, Map<string, Stmt>>();

function prepared(db: Database, sql: string): Stmt {
  let byText = statements.get(db);
  if (!byText) statements.set(db, (byText = new Map()));
  let stmt = byText.get(sql);
  if (!stmt) byText.set(sql, (stmt = db.prepare(sql)));
  return stmt;
}

function filters(q: EventQuery): { where: string[]; params: Record<string, unknown> } {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  if (q.since !== undefined) {
    where.push('at >= @since');
    params.since = q.since;
  }
  if (q.afterId !== undefined) {
    where.push('id > @afterId');
    params.afterId = q.afterId;
  }
  if (q.service !== undefined) {
    where.push('service = @service');
    params.service = q.service;
  }
  if (q.types !== undefined && q.types.length > 0) {
    where.push('type IN (SELECT value FROM json_each(@types))');
    params.types = JSON.stringify(q.types);
  }
  return { where, params };
}

/** Pages of at most `pageSize` events, oldest first, together exactly what queryEvents(q) returns. */
export function* eventPages(db: Database, q: EventQuery, pageSize = EVENT_PAGE): Generator<VigilEvent[]> {
  const limit = Math.min(MAX_EVENT_LIMIT, Math.max(0, Math.floor(q.limit ?? DEFAULT_EVENT_LIMIT)));
  if (limit === 0) return;
  const { where, params } = filters(q);
  const base = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const nth = prepared(db, `SELECT at, id FROM events ${base} ORDER BY at DESC, id DESC LIMIT 1 OFFSET @off`);
  const newest = nth.get({ ...params, off: 0 }) as Key | undefined;
  if (newest === undefined) return;
  // The oldest selected event; none when fewer than `limit` match (then every match is selected).
  const oldest = nth.get({ ...params, off: limit - 1 }) as Key | undefined;
  const and = where.length > 0 ? `${where.join(' AND ')} AND` : '';
  const page = prepared(
    db,
    `SELECT * FROM events WHERE ${and} (at > @cat OR (at = @cat AND id > @cid)) AND (at < @mat OR (at = @mat AND id <= @mid))
     ORDER BY at ASC, id ASC LIMIT @page`,
  );
  let cursor: Key = oldest ? { at: oldest.at, id: oldest.id - 1 } : { at: Number.MIN_SAFE_INTEGER, id: 0 };
  let left = limit;
  while (left > 0) {
    const rows = page.all({
      ...params,
      cat: cursor.at,
      cid: cursor.id,
      mat: newest.at,
      mid: newest.id,
      page: Math.min(pageSize, left),
    }) as EventRow[];
    if (rows.length === 0) return;
    left -= rows.length;
    const last = rows[rows.length - 1]!;
    cursor = { at: last.at, id: last.id };
    yield rows.map(eventFromRow);
  }
}
