/**
 * The leak guard's pure part: replace every secret value in a line of a service's log with
 * `[redacted:<set>/<KEY>]`, and the `secret-leaked` event its first sighting raises. Anyone who shows or
 * stores a service's log (tail, follow, search, crash log tails in events) runs each line through a
 * Redactor first.
 *
 *   const redact = createRedactor(secrets);            // SecretRef[] from the credential store
 *   const safe = redact(line, (hit) => sightings.push(hit));
 *
 * Matched forms (encodings.ts, decode.ts): the value as written, JSON-escaped once or twice, hex, base64
 * and base64url at any alignment inside a longer encoded text, and percent-encoding or `\uXXXX` escapes
 * of any of its characters; in any letter case (a value's letters printed in another case give almost all
 * of it away; for hex keys and hex output case means nothing at all); and any prefix of at least three
 * quarters of the value (the value minus its last characters). Values shorter than MIN_GUARDED_LENGTH are
 * not matched: they would shred ordinary text. When two values overlap, the longest match wins.
 */
import type { NewEvent } from '../events.js';
import { decodeEscapes, utf8Bytes } from './decode.js';
import { MIN_GUARDED_LENGTH, guardedPrefix, lower, secretForms } from './encodings.js';
import { LiteralSet, type LiteralEntry, type LiteralHit } from './literal-set.js';

export { MIN_GUARDED_LENGTH } from './encodings.js';

/** One value held in the credential store. */
export interface SecretRef {
  set: string;
  key: string;
  value: string;
  /** Identifies this value of set/KEY (when it was set, ms); leak events are deduplicated per version. */
  version: number;
  /** False for a kept previous version (no longer loaded by any service). */
  current: boolean;
}

/** Which secret a line contained (never the value). */
export interface LeakHit {
  set: string;
  key: string;
  version: number;
  current: boolean;
}

export type Redactor = (line: string, onHit?: (hit: LeakHit) => void) => string;

export function redactionLabel(set: string, key: string): string {
  return `[redacted:${set}/${key}]`;
}

const identity: Redactor = (line) => line;

/** `label` names what replaces a match (by default `[redacted:<set>/<KEY>]`). */
export function createRedactor(
  secrets: readonly SecretRef[],
  label: (s: SecretRef) => string = (s) => redactionLabel(s.set, s.key),
): Redactor {
  // A current value comes first, so it wins over a kept one holding the same bytes (ties keep the first).
  const ordered = [...secrets]
    .filter((s) => s.value.length >= MIN_GUARDED_LENGTH)
    .sort((a, b) => Number(b.current) - Number(a.current) || b.version - a.version);
  const encoded: LiteralEntry<SecretRef>[] = [];
  const decoded: LiteralEntry<SecretRef>[] = [];
  for (const s of ordered) {
    for (const f of secretForms(s.value)) encoded.push({ text: f.text, min: f.min, id: s });
    // After %XX / \uXXXX decoding: the value (\u escapes) and its UTF-8 bytes (%XX of non-ASCII).
    const prefixLength = guardedPrefix(s.value).length;
    decoded.push({ text: lower(s.value), min: prefixLength, id: s });
    const bytes = utf8Bytes(s.value);
    if (bytes !== s.value)
      decoded.push({ text: lower(bytes), min: utf8Bytes(guardedPrefix(s.value)).length, id: s });
  }
  if (encoded.length === 0) return identity;
  const direct = new LiteralSet(encoded);
  const unescaped = new LiteralSet(decoded);
  return (line, onHit) => {
    if (line.length < MIN_GUARDED_LENGTH) return line;
    let out = replace(line, direct.scan(lower(line)), label, onHit);
    const d = decodeEscapes(out);
    if (d !== null) {
      const hits = unescaped
        .scan(lower(d.text))
        .map((h) => ({ ...h, start: d.starts[h.start]!, end: d.starts[h.end]! }));
      out = replace(out, hits, label, onHit);
    }
    return out;
  };
}

function replace(
  line: string,
  hits: readonly LiteralHit<SecretRef>[],
  label: (s: SecretRef) => string,
  onHit: ((hit: LeakHit) => void) | undefined,
): string {
  if (hits.length === 0) return line;
  let out = '';
  let at = 0;
  for (const { start, end, id: s } of hits) {
    out += line.slice(at, start) + label(s);
    at = end;
    onHit?.({ set: s.set, key: s.key, version: s.version, current: s.current });
  }
  return out + line.slice(at);
}

/** The idempotency key of a sighting: one event per set/KEY value (a rotated value is a new one). */
export function leakKey(hit: Pick<LeakHit, 'set' | 'key' | 'version'>): string {
  return `secret-leaked:${hit.set}/${hit.key}:${hit.version}`;
}

/**
 * The first sighting of a secret in a log. Critical for a value services load now (rotate it), a warning
 * for a kept previous value (already replaced; make sure it is revoked at the provider).
 */
export function secretLeakedEvent(
  hit: LeakHit,
  where: { service: string | null; source: string; at: number },
): NewEvent {
  const name = `${hit.set}/${hit.key}`;
  const whose = where.service === null ? 'a log' : `the log of ${where.service}`;
  const recommendation = hit.current
    ? `rotate it: vigil secrets rotate ${hit.set} ${hit.key} (then revoke the old value at its provider)`
    : 'it is a previous value, already replaced: make sure it is revoked at its provider';
  return {
    key: leakKey(hit),
    at: where.at,
    service: where.service,
    type: 'secret-leaked',
    severity: hit.current ? 'critical' : 'warning',
    message: `secret ${name} appeared in ${whose} (${where.source}); it is shown as ${redactionLabel(hit.set, hit.key)}; ${recommendation}`,
    data: { set: hit.set, key: hit.key, current: hit.current, source: where.source, recommendation },
  };
}
