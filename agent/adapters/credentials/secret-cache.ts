/**
 * The agent's view of every value in the credential store (current and kept versions), for its log
 * scrubber and the leak guard. `secrets()` returns the same array until the store changes; `refresh()`
 * costs one stat per file when nothing changed (call it every tick and after each write).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SecretRef } from '../../core/credentials/redact.js';
import type { CredentialStore } from '../../ports/credentials.js';
import { HISTORY_DIR } from './fs-store.js';

export class SecretCache {
  private signature = '';
  private refs: readonly SecretRef[] = [];
  private plain: readonly string[] = [];

  constructor(private readonly store: CredentialStore) {
    this.refresh();
  }

  /** Re-reads the store when a file in it changed; true when it did. */
  refresh(): boolean {
    const sig = signature(this.store.dir);
    if (sig === this.signature) return false;
    let refs: SecretRef[];
    try {
      refs = this.store.allSecrets();
    } catch {
      // Unreadable for now (e.g. EACCES): keep guarding with the values known so far, retry next time.
      return false;
    }
    this.signature = sig;
    this.refs = refs;
    this.plain = [...new Set(this.refs.map((r) => r.value))];
    return true;
  }

  secrets(): readonly SecretRef[] {
    return this.refs;
  }

  /** The distinct values (for pino's scrubbing stream). */
  values(): readonly string[] {
    return this.plain;
  }
}

function signature(dir: string): string {
  const parts: string[] = [];
  for (const d of [dir, path.join(dir, HISTORY_DIR)]) {
    let names: string[];
    try {
      names = fs.readdirSync(d).sort();
    } catch {
      parts.push(`${d}:-`);
      continue;
    }
    for (const n of names) {
      try {
        const st = fs.lstatSync(path.join(d, n));
        parts.push(`${n}:${st.ino}:${st.size}:${st.mtimeMs}`);
      } catch {
        // removed meanwhile
      }
    }
  }
  return parts.join('|');
}
