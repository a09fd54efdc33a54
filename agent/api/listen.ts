/** Listening for the agent's API: the unix socket file (stale ones cleared, live ones refused), the loopback port, closing. */
import { lstatSync, unlinkSync } from 'node:fs';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import { VigilError } from '../core/errors.js';

const PROBE_TIMEOUT_MS = 1_000;

/** Does a live process answer on this unix socket? */
function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const s = connect({ path });
    const done = (alive: boolean | Error): void => {
      clearTimeout(timer);
      s.destroy();
      if (alive instanceof Error) reject(alive);
      else resolve(alive);
    };
    // A peer that accepts but never finishes connecting is treated as alive: never delete a live socket.
    const timer = setTimeout(() => done(true), PROBE_TIMEOUT_MS);
    s.once('connect', () => done(true));
    s.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED' || err.code === 'ENOENT') done(false);
      else
        done(new VigilError('E_IO', `cannot probe the agent socket ${path}: ${err.message}`, { cause: err }));
    });
  });
}

export function alreadyRunning(path: string): VigilError {
  return new VigilError('E_IO', `agent already running: another process answers on ${path}`);
}

/** The HTTP port is taken: by whom is for `ss`/`lsof` to say (root sees every user's process). */
export function portInUse(host: string, port: number): VigilError {
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  return new VigilError(
    'E_PORT_IN_USE',
    `cannot serve the agent's HTTP API on ${where}: another process already listens there (possibly another user's, squatting the port). Find it with \`ss -ltnp 'sport = :${port}'\` or \`lsof -nP -iTCP:${port} -sTCP:LISTEN\` (as root to see other users' processes); stop it, or run the agent on another port (--http 127.0.0.1:PORT)`,
  );
}

/** Removes a stale socket file left by a dead agent; refuses when it is not a socket or still answers. */
export async function clearStaleSocket(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new VigilError('E_IO', `cannot inspect ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (!isSocket) {
    throw new VigilError(
      'E_IO',
      `${path} exists and is not a socket; move it away so the agent can listen there`,
    );
  }
  if (await socketAnswers(path)) throw alreadyRunning(path);
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new VigilError('E_IO', `cannot remove stale socket ${path}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
}

export function listen(server: Server, args: [path: string] | [port: number, host: string]): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(...(args as [number, string]), () => {
      server.off('error', onError);
      resolve();
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
