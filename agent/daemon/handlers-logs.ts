/** The log routes of the running agent: tail, search and follow over $VIGIL_HOME/logs, redacted. */
import type { LogApiHandlers } from '../api/handlers-logs.js';
import { FileLogReader } from '../adapters/logs/reader.js';
import type { AgentRuntime } from './module.js';
import { agentLogRedaction } from './log-redaction.js';

export function logReaderFor(services: Pick<AgentRuntime, 'ctx' | 'store' | 'credentials'>): FileLogReader {
  return new FileLogReader({
    logsDir: services.ctx.paths.logs,
    redactFor: agentLogRedaction(services),
    known: (service) => services.store.listServices().some((s) => s.name === service),
  });
}

export function logHandlers(services: Pick<AgentRuntime, 'ctx' | 'store' | 'credentials'>): LogApiHandlers {
  const reader = logReaderFor(services);
  return {
    logTail: (service, q) => reader.tail(service, q),
    logSearch: (service, q) => reader.search(service, q),
    logFollow: (service, q, onLines, signal) => reader.follow(service, q, onLines, signal),
  };
}
