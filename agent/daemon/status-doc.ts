/**
 * The status document the agent serves (GET /api/status, the document after a service action, /metrics),
 * materialised when something changes rather than assembled per request: the supervisor sets its
 * document at each tick, and each feature module publishes its part as data whenever the state behind
 * it changes (a probe result, a resource sample, a scrape, a usage round, a disk check, a tick). The
 * document is rebuilt once after a change, at the first read (core/status-parts.ts, pure); every later read
 * returns it as it is.
 *
 * This is the AgentModule's way into the status: a module that shows something in it publishes a part
 * (see StatusParts), at every place its state changes.
 */
import type { StatusDoc } from '../core/status.js';
import { statusDocument, type StatusPartName, type StatusParts } from '../core/status-parts.js';

export class StatusHolder {
  private base: StatusDoc = { services: [] };
  private parts: StatusParts = {};
  /** Null once something changed: rebuilt at the next read, so a publish nobody reads costs nothing. */
  private doc: StatusDoc | null = null;

  /** The supervisor's document (its tick's rows). */
  setBase(doc: StatusDoc): void {
    this.base = doc;
    this.doc = null;
  }

  /** A module's part, as it is now. */
  publish<K extends StatusPartName>(name: K, part: StatusParts[K]): void {
    this.parts = { ...this.parts, [name]: part };
    this.doc = null;
  }

  /** The document with every part, as of the last change. */
  current(): StatusDoc {
    return (this.doc ??= statusDocument(this.base, this.parts));
  }
}
