/**
 * The agent API's bearer token file: 32 random bytes as hex, mode 0600, owned by us. Created atomically
 * (O_CREAT|O_EXCL 0600 temp file, fchmod, then link into place, so no reader ever sees it half-written);
 * an existing file is trusted only when it is a regular file, not a symlink, ours and private.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { VigilError } from '../../core/errors.js';

const MIN_TOKEN_LENGTH = 32;

function ioError(file: string, problem: string, fix: string, cause?: unknown): VigilError {
  return new VigilError('E_IO', `token file ${file} ${problem}; ${fix}`, {
    ...(cause === undefined ? {} : { cause }),
    details: { path: file },
  });
}

/** Reads the token, creating the file when it does not exist. Throws E_IO when the file is not safe. */
export function readOrCreateToken(file: string): string {
  const created = tryCreate(file);
  return created ?? readExisting(file);
}

/** Creates the file with a fresh token; null when it already exists. */
function tryCreate(file: string): string | null {
  const token = randomBytes(32).toString('hex');
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  let fd: number;
  try {
    fd = openSync(
      tmp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o600,
    );
  } catch (err) {
    throw ioError(
      file,
      `cannot be created (${(err as Error).message})`,
      'check that its directory exists and is writable',
      err,
    );
  }
  try {
    fchmodSync(fd, 0o600); // the umask may have taken bits away; make it exactly 0600 either way
    writeSync(fd, `${token}\n`);
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    try {
      linkSync(tmp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return null;
      throw ioError(
        file,
        `cannot be created (${(err as Error).message})`,
        'check that its directory is writable',
        err,
      );
    }
    return token;
  } finally {
    if (fd !== -1) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
  }
}

function readExisting(file: string): string {
  const fix = `fix it with "chmod 600 ${file}" (or delete it and restart the agent to make a new one)`;
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'EMLINK') {
      throw ioError(
        file,
        'is a symlink and will not be trusted',
        `replace it with a regular file: delete ${file} and restart the agent`,
        err,
      );
    }
    throw ioError(file, `cannot be read (${(err as Error).message})`, fix, err);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw ioError(file, 'is not a regular file', `delete ${file} and restart the agent`);
    const uid = process.getuid?.();
    if (uid !== undefined && st.uid !== uid) {
      throw ioError(
        file,
        `is owned by uid ${st.uid}, not by you (uid ${uid})`,
        `delete ${file} and restart the agent`,
      );
    }
    const mode = st.mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw ioError(
        file,
        `is accessible by group or others (mode ${mode.toString(8).padStart(4, '0')})`,
        fix,
      );
    }
    const token = readFileSync(fd, 'utf8').trim();
    if (token.length < MIN_TOKEN_LENGTH) {
      throw ioError(
        file,
        'holds no usable token (empty or too short)',
        `delete ${file} and restart the agent to make a new one`,
      );
    }
    return token;
  } finally {
    closeSync(fd);
  }
}
