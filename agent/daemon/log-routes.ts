/**
 * The log routes of the running agent: tail, search and follow over $VIGIL_HOME/logs, redacted. The reader
 * (log-reader.ts: adapters/logs/, its scanners and regex worker) is imported on the first log request, not at
 * start-up: an idle agent serves none, and the lazy-loading test keeps it out of the start-up graph.
 */
import type { RouteHandlers, StreamSources } from '../api/server.js';
import type { LogRouteTypes } from '../api/contract.js';
import { VigilError } from '../core/errors.js';
import type { LogReader } from '../ports/log-reader.js';
import type { AgentRuntime } from './module.js';

export function logRoutes(
  services: Pick<AgentRuntime, 'ctx' | 'store' | 'credentials'>,
): Pick<RouteHandlers, keyof LogRouteTypes> & Pick<StreamSources, 'followLog'> {
  let reader: Promise<LogReader> | null = null;
  const read = () => (reader ??= import('./log-reader.js').then((m) => m.logReaderFor(services)));
  return {
    logTail: async ({ params, query }) => (await read()).tail(params.name, query),
    logSearch: async ({ params, query }) => (await read()).search(params.name, query),
    /** Streams only (the server opens the stream, through followLog, when the client accepts text/event-stream). */
    logFollow: () => {
      throw new VigilError('E_USAGE', 'this endpoint streams: ask with Accept: text/event-stream');
    },
    followLog: async (service, q, onLines, signal) => (await read()).follow(service, q, onLines, signal),
  };
}
