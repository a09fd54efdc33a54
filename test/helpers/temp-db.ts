/** Temporary database paths for tests; the directories are removed when the test file ends. */
import { after } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const tempDirs: string[] = [];

// Registered at import, i.e. on the file's root test: runs once, after every test of the file.
after(() => {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A path to a not-yet-existing database file, inside a not-yet-existing directory of a fresh temp dir. */
export function tempDbPath(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-store-'));
  tempDirs.push(dir);
  return path.join(dir, 'nested', 'vigil.db');
}
