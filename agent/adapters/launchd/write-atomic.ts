/** Plists are written atomically (agent/adapters/fs/write-atomic.ts), mode exactly as launchd wants it. */
import { writeFileAtomic } from '../fs/write-atomic.js';
import { ioError } from './installed.js';

export async function writeAtomic(file: string, content: string, mode: number): Promise<void> {
  try {
    await writeFileAtomic(file, content, mode);
  } catch (err) {
    throw ioError(`cannot write ${file}`, err);
  }
}
