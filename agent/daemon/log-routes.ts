/** The log routes of the running agent: tail, search and follow over $VIGIL_HOME/logs, redacted. */
import type { RouteHandlers, StreamSources } from '../api/server.js';
import type { LogRouteTypes } from '../api/contract.js';
import { VigilError } from '../core/errors.js';
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

export function logRoutes(
  services: Pick<AgentRuntime, 'ctx' | 'store' | 'credentials'>,
): Pick<RouteHandlers, keyof LogRouteTypes> & Pick<StreamSources, 'followLog'> {
  const reader = logReaderFor(services);
  return {
    logTail: ({ params, query }) => reader.tail(params.name, query),
    logSearch: ({ params, query }) => reader.search(params.name, query),
    /** Streams only (the server opens the stream, through followLog, when the client accepts text/event-stream). */
    logFollow: () => {
      throw new VigilError('E_USAGE', 'this endpoint streams: ask with Accept: text/event-stream');
    },
    followLog: (service, q, onLines, signal) => reader.follow(service, q, onLines, signal),
  };
}
