/**
 * The leak guard's pure part: replace every exact secret value in a line of a service's log with
 * `[redacted:<set>/<KEY>]`, and the `secret-leaked` event its first sighting raises. Anyone who shows a
 * service's log (tail, follow, search, crash log tails) runs each line through a Redactor first.
 *
 *   const redact = createRedactor(secrets);            // SecretRef[] from the credential store
 *   const safe = redact(line, (hit) => sightings.push(hit));
 *
 * Matched forms: the value as written, JSON-escaped (inside a JSON log line) and URL-encoded (in a
 * logged URL). Values shorter than MIN_GUARDED_LENGTH are not matched: they would shred ordinary text.
 * When two values overlap, the longest wins.
 */
import type { NewEvent } from '../events.js';
import { escapeRegExp } from '../logs/match.js';

export const MIN_GUARDED_LENGTH = 8;

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

export function createRedactor(secrets: readonly SecretRef[]): Redactor {
  // form → the secret it belongs to; a current value wins over a kept one holding the same bytes.
  const owner = new Map<string, SecretRef>();
  const ordered = [...secrets].sort((a, b) => Number(b.current) - Number(a.current) || b.version - a.version);
  for (const s of ordered) {
    if (s.value.length < MIN_GUARDED_LENGTH) continue;
    for (const form of forms(s.value)) if (!owner.has(form)) owner.set(form, s);
  }
  if (owner.size === 0) return identity;
  const alternatives = [...owner.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
  const pattern = new RegExp(alternatives.join('|'), 'g');
  return (line, onHit) => {
    if (line.length < MIN_GUARDED_LENGTH) return line;
    pattern.lastIndex = 0;
    return line.replace(pattern, (match) => {
      const s = owner.get(match)!;
      onHit?.({ set: s.set, key: s.key, version: s.version, current: s.current });
      return redactionLabel(s.set, s.key);
    });
  };
}

function forms(value: string): string[] {
  const out = new Set([value, JSON.stringify(value).slice(1, -1)]);
  try {
    out.add(encodeURIComponent(value));
  } catch {
    // a lone surrogate: the store refuses those anyway
  }
  return [...out];
}


/** The idempotency key of a sighting: one event per set/KEY value (a rotated value is a new one). */
export function leakKey(hit: Pick<LeakHit, 'set' | 'key' | 'version'>): string {
  return `secret-leaked:${hit.set}/${hit.key}:${hit.version}`;
}

/**
 * The first sighting of a secret in a log. Critical for a value services load now (rotate it), a warning
 * for a kept previous value (already replaced; make sure it is revoked at the provider).
 */
export function secretLeakedEvent(hit: LeakHit, where: { service: string | null; source: string; at: number }): NewEvent {
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
