/**
 * `vigil usage [--day D | --month M] [--by service|model] [--json]` and
 * `vigil budget status|resume [SERVICE...] [--add USD] [--json]`. Through the agent when it runs; otherwise
 * straight from the database (and, for resume, the service manager).
 */
import { EXIT_OK, VigilError } from '../../core/errors.js';
import type { Store } from '../../ports/store.js';
import type { UsageLedger } from '../../ports/usage-ledger.js';
import { NO_USAGE_DATABASE, budgetStatus, usageReport, type QueryDeps } from '../../app/usage/query.js';
import { machineZoneName } from '../../adapters/host/zone-name.js';
import { BudgetEnforcer } from '../../app/usage/budget.js';
import { createContext, type Context } from '../../daemon/compose.js';
import type { BudgetResumeResponse, BudgetStatusDoc, UsageReport } from '../../core/usage/report.js';
import type { UsageDimension } from '../../api/routes/usage.js';
import { agentClient, NO_AGENT, readViaAgent } from '../remote.js';
import { JSON_FLAG, parse, str } from '../args.js';
import { printJson, type Io } from '../io.js';
import { budgetText, resumeText, usageText } from '../usage-format.js';

const USAGE = 'vigil usage [--day YYYY-MM-DD | --month YYYY-MM] [--by service|model] [--json]';
const BUDGET = 'vigil budget status | vigil budget resume [SERVICE...] [--add USD]  [--json]';

/** The machine's zone named as the agent names it (not Intl's alias). */
const ZONE = { systemZone: machineZoneName };
const NO_DATABASE: QueryDeps = { ...NO_USAGE_DATABASE, ...ZONE };

/** The database directly (no agent): null when there is none yet. */
async function direct<T>(
  io: Io,
  fn: (ctx: Context, deps: (QueryDeps & { store: Store; ledger: UsageLedger }) | null) => Promise<T> | T,
): Promise<T> {
  const ctx = await createContext(io.env);
  const store = ctx.existingStore();
  const deps = store ? { store, ledger: store.ledgers.usage(), ...ZONE } : null;
  return await Promise.resolve(fn(ctx, deps)).finally(() => ctx.close());
}

export async function usageCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { day: { type: 'string' }, month: { type: 'string' }, by: { type: 'string' }, ...JSON_FLAG },
    USAGE,
  );
  if (positionals.length > 0)
    throw new VigilError('E_USAGE', `unexpected argument "${positionals[0]}"\nusage: ${USAGE}`);
  const by = str(values.by);
  if (by !== undefined && by !== 'service' && by !== 'model')
    throw new VigilError('E_USAGE', `--by must be service or model, not "${by}"\nusage: ${USAGE}`);
  const q = {
    ...(str(values.day) !== undefined ? { day: str(values.day)! } : {}),
    ...(str(values.month) !== undefined ? { month: str(values.month)! } : {}),
    ...(by !== undefined ? { by: by as UsageDimension } : {}),
  };
  if (q.day !== undefined && q.month !== undefined)
    throw new VigilError('E_USAGE', `give --day or --month, not both\nusage: ${USAGE}`);
  let report: UsageReport | typeof NO_AGENT = await readViaAgent(io, (c) => c.call('usage', {}, q));
  if (report === NO_AGENT) {
    report = await direct(io, (_ctx, deps) => {
      return usageReport(deps ?? NO_DATABASE, q, Date.now());
    });
  }
  if (values.json) printJson(io, report);
  else io.out(usageText(report));
  return EXIT_OK;
}

export async function budgetCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { add: { type: 'string' }, ...JSON_FLAG }, BUDGET);
  const [sub = 'status', ...names] = positionals;
  if (sub === 'status') {
    if (names.length > 0 || values.add !== undefined)
      throw new VigilError('E_USAGE', `"budget status" takes no arguments\nusage: ${BUDGET}`);
    let doc: BudgetStatusDoc | typeof NO_AGENT = await readViaAgent(io, (c) => c.call('budget', {}));
    if (doc === NO_AGENT)
      doc = await direct(io, (_ctx, deps) => budgetStatus(deps ?? NO_DATABASE, Date.now()));
    if (values.json) printJson(io, doc);
    else io.out(budgetText(doc, Date.now()));
    return EXIT_OK;
  }
  if (sub !== 'resume')
    throw new VigilError('E_USAGE', `unknown subcommand "budget ${sub}"\nusage: ${BUDGET}`);
  const addRaw = str(values.add);
  const addUsd = addRaw === undefined ? undefined : Number(addRaw.replace(/^\$/, ''));
  if (addUsd !== undefined && !(Number.isFinite(addUsd) && addUsd > 0))
    throw new VigilError('E_USAGE', `--add must be an amount in USD above 0, not "${addRaw}"`);
  const body = {
    ...(addUsd !== undefined ? { addUsd } : {}),
    ...(names.length > 0 ? { services: names } : {}),
  };
  const client = await agentClient(io);
  let result: BudgetResumeResponse;
  if (client) result = await client.call('budgetResume', {}, undefined, body);
  else {
    result = await direct(io, async (ctx, deps) => {
      if (!deps)
        throw new VigilError('E_USAGE', 'nothing to resume: Vigil has no database yet (run vigil apply)');
      const enforcer = new BudgetEnforcer({
        ...deps,
        manager: ctx.manager,
        record: (events) => deps.store.appendEvents(events),
      });
      const known = deps.store.listServices().map((s) => s.name);
      const r = await enforcer.resume(body, Date.now(), known);
      return { ...r, budget: budgetStatus(deps, Date.now()) };
    });
  }
  if (values.json) printJson(io, result);
  else io.out(resumeText(result));
  return EXIT_OK;
}
