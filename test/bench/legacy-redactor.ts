/**
 * The leak guard's redactor as it was before encodings were matched (value, JSON and URL forms only; one
 * alternation RegExp, longest first), kept so test/bench/credentials.ts measures before and after in the
 * same run on the same machine.
 */
import { escapeRegExp } from '../../agent/core/logs/match.js';
import type { SecretRef } from '../../agent/core/credentials/redact.js';

export function legacyRedactor(secrets: readonly SecretRef[]): (line: string) => string {
  const owner = new Map<string, SecretRef>();
  for (const s of secrets) {
    if (s.value.length < 8) continue;
    for (const form of new Set([s.value, JSON.stringify(s.value).slice(1, -1), encodeURIComponent(s.value)]))
      if (!owner.has(form)) owner.set(form, s);
  }
  const pattern = new RegExp(
    [...owner.keys()]
      .sort((a, b) => b.length - a.length)
      .map(escapeRegExp)
      .join('|'),
    'g',
  );
  return (line) => {
    if (line.length < 8) return line;
    pattern.lastIndex = 0;
    return line.replace(pattern, (m) => `[redacted:${owner.get(m)!.set}/${owner.get(m)!.key}]`);
  };
}
