/**
 * Crash evidence for the supervisor's events: the last lines of a service's log, cut where its exit record
 * says the dead process's output ended.
 */
import type { Logger } from 'pino';
import type { NewEvent } from '../core/events.js';
import type { ExitRecord, LogEnd } from '../core/observed.js';
import { exitEventKey } from '../core/supervise/detect.js';
import type { LogTailReader } from '../ports/log-reader.js';

const LOG_TAIL_LINES = 20;
const TAIL_EVENTS = new Set([
  'crashed',
  'killed',
  'oom-killed',
  'crashloop',
  'start-limit-hit',
  'stop-timeout',
]);

/**
 * Crash evidence: the lines the dead process wrote. A crash event's tail ends where its exit record
 * says the output ended (so never with the next process's lines, however late the agent reads it);
 * a crash loop or a given-up unit gets that of the service's newest exit in this tick. Exits recorded
 * without that position (older records, a launcher killed outright) get the log's end as it is now.
 */
export async function attachLogTails(
  events: NewEvent[],
  exitsBy: ReadonlyMap<string, ExitRecord[]>,
  readLogTail: LogTailReader,
  logger: Logger,
): Promise<void> {
  const endOf = new Map<string, LogEnd>();
  const newest = new Map<string, LogEnd>();
  for (const [service, recs] of exitsBy) {
    for (const r of recs) {
      const end = r.launcher?.logEnd;
      if (!end) continue;
      endOf.set(exitEventKey(service, r), end);
      newest.set(service, end);
    }
  }
  const wanted = events.filter((e) => e.service && TAIL_EVENTS.has(e.type));
  const reads = new Map<string, Promise<string[]>>();
  const read = (service: string, until: LogEnd | undefined): Promise<string[]> => {
    const id = until ? `${service}@${until.ino}:${until.offset}` : service;
    let p = reads.get(id);
    if (!p) {
      p = readLogTail(service, LOG_TAIL_LINES, until).catch((err: unknown) => {
        logger.warn({ err, service }, 'could not read log tail');
        return [];
      });
      reads.set(id, p);
    }
    return p;
  };
  await Promise.all(
    wanted.map(async (e) => {
      const until =
        e.type === 'crashed' || e.type === 'oom-killed' ? endOf.get(e.key) : newest.get(e.service!);
      e.logTail = await read(e.service!, until);
    }),
  );
}

/** The exit records of a batch, by service, in their order. */
export function groupExits(records: readonly ExitRecord[]): Map<string, ExitRecord[]> {
  const out = new Map<string, ExitRecord[]>();
  for (const r of records) {
    const list = out.get(r.service) ?? [];
    list.push(r);
    out.set(r.service, list);
  }
  return out;
}
