/** `vigil start|stop|restart NAME...` */
import { EXIT_OK, VigilError } from '../../core/errors.js';
import type { ServiceStatus } from '../../core/status.js';
import type { ActionVerb } from '../../api/contract.js';
import { directStatus, requireServices } from '../../app/status.js';
import { createContext } from '../../daemon/compose.js';
import { agentClient } from '../remote.js';
import { JSON_FLAG, parse } from '../args.js';
import { printJson, type Io } from '../io.js';
import { statusTable } from '../format.js';
import { withProgress } from '../progress.js';
import { stopWaitMs } from '../../core/manifest/stop-settings.js';

const VERB_ING: Readonly<Record<ActionVerb, string>> = { start: 'starting', stop: 'stopping', restart: 'restarting' };

export function controlCommand(verb: ActionVerb) {
  return async (argv: string[], io: Io): Promise<number> => {
    const usage = `vigil ${verb} NAME... [--json]`;
    const { values, positionals } = parse(argv, { ...JSON_FLAG }, usage);
    if (positionals.length === 0) throw new VigilError('E_USAGE', `name at least one service\nusage: ${usage}`);
    const client = await agentClient(io);
    const label = (names: string) => `${VERB_ING[verb]} ${names}`;
    let statuses: ServiceStatus[];
    if (client) {
      statuses = [];
      // A stop may take each service's stopTimeoutSec: wait that long (plus a margin), never the client's 10 s.
      const timeoutMs = verb === 'start' ? undefined : stopWaitMs((await client.status()).services.filter((s) => positionals.includes(s.name)));
      for (const name of positionals) {
        const r = await withProgress(io, label(name), () => client.action(name, verb, timeoutMs === undefined ? {} : { timeoutMs }));
        statuses.push(r.status);
      }
    } else {
      const ctx = await createContext(io.env);
      try {
        const store = ctx.existingStore();
        requireServices(store, positionals);
        // One manager call for all the names (the agent path goes one by one, through serviceAction).
        await withProgress(io, label(positionals.join(', ')), () => ctx.manager[verb](positionals));
        const doc = await directStatus({ manager: ctx.manager, store, clock: ctx.clock });
        statuses = doc.services.filter((s) => positionals.includes(s.name));
      } finally {
        ctx.close();
      }
    }
    if (values.json) printJson(io, { action: verb, services: statuses });
    else io.out(`${statusTable(statuses, Date.now())}\n`);
    return EXIT_OK;
  };
}
