/**
 * The services' log reader (tail, search, follow over $VIGIL_HOME/logs, redacted), built here once for both
 * processes that read logs: the agent (log-routes.ts imports this module on the first log request, with
 * adapters/logs/ and its worker threads: an idle agent reads no logs) and `vigil logs` without an agent.
 */
import { FileLogReader, type RedactFor } from '../adapters/logs/reader.js';
import type { LogReader } from '../ports/log-reader.js';
import { serviceLogs, type ServiceLogDeps } from '../app/service-logs.js';
import type { AgentRuntime } from './module.js';
import { agentLogRedaction } from './log-redaction.js';

/** Installed services' logs under `logsDir`, every line through `redactFor`. */
export function fileServiceLogs(
  logsDir: string,
  redactFor: RedactFor,
  deps: Omit<ServiceLogDeps, 'open'>,
): LogReader {
  return serviceLogs({ ...deps, open: (known) => new FileLogReader({ logsDir, redactFor, known }) });
}

/** The agent's: redacted by its leak guard, installed services read from its open database. */
export function logReaderFor(services: Pick<AgentRuntime, 'ctx' | 'store' | 'credentials'>): LogReader {
  return fileServiceLogs(services.ctx.paths.logs, agentLogRedaction(services), {
    store: () => services.store,
  });
}
