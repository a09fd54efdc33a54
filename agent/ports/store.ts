/** Vigil's persistent state (SQLite in production). Synchronous: better-sqlite3 is, and ticks are short. */
import type { NewEvent, VigilEvent, EventType } from '../core/events.js';
import type { ServiceSpec } from '../core/manifest/model.js';
import type { StoreLedgers } from './store-ledgers.js';
import type { StateKey, StateKeys } from './state-keys.js';

export interface ServiceRecord {
  name: string;
  unit: string;
  spec: ServiceSpec;
  hash: string;
  installedAt: number;
  updatedAt: number;
}

export interface EventQuery {
  /** Only events at or after this time (ms). */
  since?: number;
  /** Only events with id greater than this (for SSE resume). */
  afterId?: number;
  service?: string;
  types?: readonly EventType[];
  /** Newest N (default 200, max 10,000), returned oldest first. */
  limit?: number;
}

export interface Store {
  /** Inserts events whose key is new; returns the ones inserted (with ids). */
  appendEvents(events: readonly NewEvent[]): VigilEvent[];
  queryEvents(query: EventQuery): VigilEvent[];
  /**
   * The same events as queryEvents, read a page at a time, so a reply of 10,000 events with their log
   * tails never exists whole. A store that cannot page leaves it out: the API answers from queryEvents.
   */
  eventPages?(query: EventQuery): Iterable<VigilEvent[]>;

  upsertService(record: ServiceRecord): void;
  removeService(name: string): void;
  listServices(): ServiceRecord[];

  /** Small JSON values: the agent's per-service snapshots, journal offsets, settings (ports/state-keys.ts). */
  getState<K extends StateKey>(key: K): StateKeys[K] | undefined;
  /** Setting undefined deletes the key. */
  setState<K extends StateKey>(key: K, value: StateKeys[K] | undefined): void;

  /** The feature tables in the same database (usage, resource history, alerts, credential ledger). */
  readonly ledgers: StoreLedgers;

  /** Runs fn in one transaction: everything it writes lands together or not at all. */
  transaction<T>(fn: () => T): T;
  close(): void;
}
