/**
 * Finds, in one scan, the leftmost-longest occurrence of any of many literal strings, where a match may
 * stop anywhere past each string's `min` characters (the prefix rule of encodings.ts).
 *
 * One combined RegExp of the escaped required parts (V8 compiles it to native code; it found ~1.1 M
 * lines/s with 60 literals, see test/bench/CREDENTIALS.md) finds where a match starts; matches are rare,
 * so only then is every entry checked at that position to take the longest extension. A RegExp's
 * alternation takes the first alternative that matches, not the longest, hence the second step: with
 * two values sharing a start, the one covering more of the line wins and nothing of it is left showing.
 */
import { escapeRegExp } from '../logs/match.js';

export interface LiteralEntry<T> {
  text: string;
  min: number;
  id: T;
}

export interface LiteralHit<T> {
  start: number;
  end: number;
  id: T;
}

export class LiteralSet<T> {
  private readonly pattern: RegExp | null;

  constructor(private readonly entries: readonly LiteralEntry<T>[]) {
    const required = [...new Set(entries.map((e) => e.text.slice(0, e.min)))].sort(
      (a, b) => b.length - a.length,
    );
    this.pattern = required.length === 0 ? null : new RegExp(required.map(escapeRegExp).join('|'), 'g');
  }

  get empty(): boolean {
    return this.pattern === null;
  }

  /** Every non-overlapping leftmost-longest match in `text`, left to right. */
  scan(text: string): LiteralHit<T>[] {
    const out: LiteralHit<T>[] = [];
    const re = this.pattern;
    if (re === null) return out;
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const hit = this.longestAt(text, m.index);
      out.push(hit);
      re.lastIndex = hit.end;
    }
    return out;
  }

  private longestAt(text: string, start: number): LiteralHit<T> {
    let best: LiteralHit<T> | null = null;
    for (const e of this.entries) {
      let n = 0;
      const max = Math.min(e.text.length, text.length - start);
      while (n < max && text.charCodeAt(start + n) === e.text.charCodeAt(n)) n++;
      if (n >= e.min && (best === null || start + n > best.end)) best = { start, end: start + n, id: e.id };
    }
    // The RegExp matched an entry's required part here, so some entry does.
    return best!;
  }
}
