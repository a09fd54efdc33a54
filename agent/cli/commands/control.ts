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
import { withProgress } from '../progress.js';
import { stopWaitMs } from '../../core/manifest/stop-settings.js';
import { startWaitMs } from '../../core/manifest/wait-args.js';

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
      const timeoutMs = actionWaitMs(verb, (await client.status()).services.filter((s) => positionals.includes(s.name)));
      for (const name of positionals) {
        const r = await withProgress(io, label(name), () => client.action(name, verb, { timeoutMs }));
        statuses.push(r.status);
      }
    } else {
      const ctx = await createContext(io.env);
      try {
        const store = ctx.existingStore();
        requireServices(store, positionals);
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

/**
 * How long the CLI waits for the agent's answer, never the client's 10 s: a stop may take each service's
 * stopTimeoutSec, a start its startTimeoutSec (a service with healthy dependencies waits for them first,
 * up to a minute and a try), a restart both; each plus a margin, so a call still in progress never fails.
 */
export function actionWaitMs(verb: ActionVerb, services: readonly Pick<ServiceStatus, 'stopTimeoutSec' | 'startTimeoutSec'>[]): number {
  if (verb === 'start') return startWaitMs(services);
  if (verb === 'stop') return stopWaitMs(services);
  return stopWaitMs(services) + startWaitMs(services);
}
