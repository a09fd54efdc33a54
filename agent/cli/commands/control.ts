/** `vigil start|stop|restart NAME...` */
import { EXIT_OK, VigilError } from '../../core/errors.js';
import type { ServiceStatus } from '../../core/status.js';
import type { ActionVerb } from '../../api/contract.js';
import { requireServices } from '../../app/status.js';
import { directStatus } from '../../app/status.js';
import { createContext } from '../../daemon/compose.js';
import { agentClient } from '../remote.js';
import { JSON_FLAG, parse } from '../args.js';
import { printJson, type Io } from '../io.js';
import { statusTable } from '../format.js';

export function controlCommand(verb: ActionVerb) {
  return async (argv: string[], io: Io): Promise<number> => {
    const usage = `vigil ${verb} NAME... [--json]`;
    const { values, positionals } = parse(argv, { ...JSON_FLAG }, usage);
    if (positionals.length === 0) throw new VigilError('E_USAGE', `name at least one service\nusage: ${usage}`);
    const client = await agentClient(io);
    let statuses: ServiceStatus[];
    if (client) {
      statuses = [];
      for (const name of positionals) statuses.push((await client.action(name, verb)).status);
    } else {
      const ctx = await createContext(io.env);
      try {
        const store = ctx.existingStore();
        requireServices(store, positionals);
        await ctx.manager[verb](positionals);
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
