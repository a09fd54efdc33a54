/** `vigil start|stop|restart NAME...` */
import { EXIT_OK, VigilError } from '../../core/errors.js';
import type { ServiceStatus } from '../../core/status.js';
import type { ActionVerb } from '../../api/contract.js';
import { directStatus } from '../../app/status.js';
import { requireServices } from '../../app/service-actions.js';
import { createContext } from '../../daemon/compose.js';
import { agentClient } from '../remote.js';
import { JSON_FLAG, parse } from '../args.js';
import { printJson, type Io } from '../io.js';
import { statusTable } from '../format.js';
import { withProgress } from '../progress.js';
import { stopWaitMs } from '../../core/manifest/stop-settings.js';
import { startWaitMs } from '../../core/manifest/wait-args.js';
import { requiredDependents } from '../../core/intent.js';
import { expandNames } from '../../core/manifest/replicas.js';

const VERB_ING: Readonly<Record<ActionVerb, string>> = {
  start: 'starting',
  stop: 'stopping',
  restart: 'restarting',
};

export function controlCommand(verb: ActionVerb) {
  return async (argv: string[], io: Io): Promise<number> => {
    const usage = `vigil ${verb} NAME... [--json]`;
    const { values, positionals: given } = parse(argv, { ...JSON_FLAG }, usage);
    let positionals = given;
    if (positionals.length === 0)
      throw new VigilError('E_USAGE', `name at least one service\nusage: ${usage}`);
    const client = await agentClient(io);
    const label = (names: string) => `${VERB_ING[verb]} ${names}`;
    let statuses: ServiceStatus[];
    if (client) {
      statuses = [];
      const all = (await client.status()).services;
      positionals = expandNames(
        given,
        all.map((s) => s.name),
      );
      const timeoutMs = actionWaitMs(verb, positionals, all);
      for (const name of positionals) {
        const r = await withProgress(io, label(name), () => client.action(name, verb, { timeoutMs }));
        statuses.push(r.status);
      }
    } else {
      const ctx = await createContext(io.env);
      try {
        const store = ctx.existingStore();
        positionals = expandNames(
          given,
          (store?.listServices() ?? []).map((s) => s.name),
        );
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

type Timeouts = Pick<ServiceStatus, 'name' | 'stopTimeoutSec' | 'startTimeoutSec' | 'waitsFor'>;

/**
 * How long the CLI waits for the agent's answer to a verb on `names`, never the client's 10 s, so that a
 * call still in progress never fails: a stop may take each service's stopTimeoutSec, a start its
 * startTimeoutSec (a service with healthy dependencies waits for them first, up to a minute and a try), a
 * restart both, each plus a margin. A stop or restart also covers the services that require the named ones
 * (systemd stops them first, then restarts them after), one after the other.
 */
export function actionWaitMs(verb: ActionVerb, names: readonly string[], all: readonly Timeouts[]): number {
  const named = all.filter((s) => names.includes(s.name));
  if (verb === 'start') return startWaitMs(named);
  const along = requiredDependents(
    all.map((s) => ({ name: s.name, waitFor: (s.waitsFor ?? []).map((service) => ({ service })) })),
    names,
  );
  const dependents = all.filter((s) => along.includes(s.name));
  const stop = stopWaitMs(named) + dependents.reduce((ms, d) => ms + stopWaitMs([d]), 0);
  if (verb === 'stop') return stop;
  return stop + startWaitMs(named) + dependents.reduce((ms, d) => ms + startWaitMs([d]), 0);
}
