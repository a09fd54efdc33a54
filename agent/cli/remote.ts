/** "With the agent running, commands go through it; without it they work directly." */
import { existsSync } from 'node:fs';
import { vigilPaths } from '../core/paths.js';
import { ApiClient } from '../api/client.js';
import type { Io } from './io.js';

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
