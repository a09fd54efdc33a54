/** Temp file in the same directory, fsync, rename over the target, fsync the directory. */
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ioError } from './installed.js';

export async function writeAtomic(file: string, content: string, mode: number): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(tmp, 'wx', mode);
    try {
      await handle.writeFile(content, 'utf8');
      // The mode given to open() is filtered by the umask; launchd wants exactly 0644 for agents.
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
    const dirHandle = await open(dir, 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw ioError(`cannot write ${file}`, err);
  }
}
