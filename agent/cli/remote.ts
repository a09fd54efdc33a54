/** "With the agent running, commands go through it; without it they work directly." */
import { existsSync } from 'node:fs';
import { vigilPaths } from '../core/paths.js';
import { ApiClient } from '../api/client.js';
import type { Io } from './io.js';
import { VigilError } from '../core/errors.js';

/**
 * Runs a read-only call through the agent when one is there; NO_AGENT when none answers (no socket, or
 * a stale one). One round trip: no separate health check. Use agentClient() for commands with effects.
 */
export const NO_AGENT = Symbol('no-agent');

export async function readViaAgent<T>(
  io: Io,
  call: (c: ApiClient) => Promise<T>,
): Promise<T | typeof NO_AGENT> {
  if (io.env.VIGIL_NO_AGENT === '1') return NO_AGENT;
  const { socket } = vigilPaths(io.env);
  if (!existsSync(socket)) return NO_AGENT;
  try {
    return await call(new ApiClient({ socketPath: socket }));
  } catch (err) {
    if (err instanceof VigilError && err.code === 'E_AGENT_UNREACHABLE') return NO_AGENT;
    throw err;
  }
}

/** A client for the running agent, or null when no agent answers on the socket. */
export async function agentClient(io: Io): Promise<ApiClient | null> {
  if (io.env.VIGIL_NO_AGENT === '1') return null;
  const { socket } = vigilPaths(io.env);
  if (!existsSync(socket)) return null;
  const client = new ApiClient({ socketPath: socket });
  try {
    await client.health();
    return client;
  } catch {
    return null;
  }
}
