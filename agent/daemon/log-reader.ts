/**
 * The agent's log reader (tail, search, follow over $VIGIL_HOME/logs, redacted). Loaded by log-routes.ts on
 * the first log request, with adapters/logs/ and its worker threads: an idle agent reads no logs.
 */
import { FileLogReader } from '../adapters/logs/reader.js';
import type { LogReader } from '../ports/log-reader.js';
import { serviceLogs } from '../app/service-logs.js';
import type { AgentRuntime } from './module.js';
import { agentLogRedaction } from './log-redaction.js';

export function logReaderFor(services: Pick<AgentRuntime, 'ctx' | 'store' | 'credentials'>): LogReader {
  return serviceLogs({
    open: (known) =>
      new FileLogReader({ logsDir: services.ctx.paths.logs, redactFor: agentLogRedaction(services), known }),
    store: () => services.store,
  });
}
