/** `vigil events [--since T] [--service S] [-n N] [-f]` */
import { EXIT_OK } from '../../core/errors.js';
import type { VigilEvent } from '../../core/events.js';
import type { EventQuery } from '../../ports/store.js';
import { createContext } from '../../daemon/compose.js';
import { agentClient } from '../remote.js';
import { int, JSON_FLAG, parse, parseSinceFlag, str } from '../args.js';
import { printJson, type Io } from '../io.js';
import { eventLine } from '../format.js';
import { VigilError } from '../../core/errors.js';

export async function eventsCommand(argv: string[], io: Io): Promise<number> {
  const usage = 'vigil events [--since T] [--service S] [-n N] [-f] [--json]';
  const { values } = parse(
    argv,
    {
      since: { type: 'string' },
      service: { type: 'string', short: 's' },
      lines: { type: 'string', short: 'n' },
      follow: { type: 'boolean', short: 'f' },
      ...JSON_FLAG,
    },
    usage,
  );
  const since = str(values.since);
  const q: EventQuery = {
    ...(since ? { since: parseSinceFlag(since, Date.now()) } : {}),
    ...(str(values.service) ? { service: str(values.service)! } : {}),
    limit: int(values.lines, '-n', 1) ?? 50,
  };
  const client = await agentClient(io);
  let events: VigilEvent[];
  if (client) events = (await client.events(q)).events;
  else {
    const ctx = await createContext(io.env);
    try {
      events = ctx.existingStore()?.queryEvents(q) ?? [];
    } finally {
      ctx.close();
    }
  }
  if (values.follow) {
    if (values.json)
      throw new VigilError('E_USAGE', '--follow prints a stream of lines; it does not combine with --json');
    if (!client)
      throw new VigilError(
        'E_AGENT_UNREACHABLE',
        'following events needs the agent: start it with "vigil agent run" or "vigil agent install"',
      );
    for (const e of events) io.out(`${eventLine(e)}\n`);
    const ctl = new AbortController();
    process.once('SIGINT', () => ctl.abort());
    const last = events.at(-1)?.id;
    await client.streamEvents(
      { ...q, ...(last !== undefined ? { afterId: last } : {}) },
      (e) => io.out(`${eventLine(e)}\n`),
      ctl.signal,
    );
    return EXIT_OK;
  }
  if (values.json) printJson(io, { events });
  else io.out(events.length ? `${events.map(eventLine).join('\n')}\n` : 'No events.\n');
  return EXIT_OK;
}
