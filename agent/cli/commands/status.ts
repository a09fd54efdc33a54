/** `vigil status`: through the agent when it runs, else one direct batched call. */
import { EXIT_OK } from '../../core/errors.js';
import type { ServiceStatus, StatusDoc } from '../../core/status.js';
import { requireInStatus } from '../../app/status.js';
import { NO_AGENT, readViaAgent } from '../remote.js';
import { JSON_FLAG, parse } from '../args.js';
import { printJson, type Io } from '../io.js';
import { ago, statusTable } from '../format.js';

export async function statusCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { ...JSON_FLAG }, 'vigil status [NAME...] [--json]');
  let doc: StatusDoc | typeof NO_AGENT = await readViaAgent(io, (c) => c.status());
  if (doc === NO_AGENT) {
    const { directStatusFor } = await import('./direct.js');
    doc = await directStatusFor(io);
  }
  if (positionals.length > 0) {
    // A replicated service's name stands for all its instances.
    const groups = new Set(doc.services.flatMap((s) => (s.group === undefined ? [] : [s.group])));
    requireInStatus(
      doc,
      positionals.filter((n) => !groups.has(n)),
    );
    const picked = (s: ServiceStatus) =>
      positionals.includes(s.name) || (s.group !== undefined && positionals.includes(s.group));
    const shown = (doc.groups ?? []).filter((g) => positionals.includes(g.name));
    doc = { services: doc.services.filter(picked), ...(shown.length > 0 ? { groups: shown } : {}) };
  }
  // An instance named on its own is a row of its own (its service's row would sum only part of it).
  const asked = new Set((doc.groups ?? []).map((g) => g.name));
  const rows = doc.services.map((s) => {
    if (s.group === undefined || asked.has(s.group) || positionals.length === 0) return s;
    const { group: _g, replica: _r, ...row } = s;
    return row;
  });
  if (values.json) printJson(io, doc);
  else io.out(`${statusTable(rows, Date.now())}\n${scrapeLines(doc.services, Date.now())}${diskLine(doc)}`);
  return EXIT_OK;
}

/**
 * Under the table, the metric rules' scrapes (agent status only): one line per scraped service, the last
 * scrape ok or failed and when; a failing scrape means its metric rules see no data.
 */
export function scrapeLines(services: readonly ServiceStatus[], now: number): string {
  const lines = services.flatMap((s) => {
    const x = s.metricsScrape;
    if (!x) return [];
    return [
      `  ${s.name}: ${x.ok ? 'ok' : 'FAILED'} ${ago(x.at, now)} ago${x.ok ? '' : ` (${x.error ?? 'no answer'}): its metric alert rules see no data`}`,
    ];
  });
  return lines.length === 0 ? '' : `\nMetrics scrapes (metric alert rules):\n${lines.join('\n')}\n`;
}

/** The agent's disk-full condition under the table (nothing while all is well). */
export function diskLine(doc: StatusDoc): string {
  const d = doc.disk;
  if (d?.state !== 'disk-full') return '';
  const kept = [
    d.pendingEvents ? `${d.pendingEvents} event(s)` : '',
    d.pendingExits ? `${d.pendingExits} exit record(s)` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  return `\nDISK FULL since ${d.since}: ${d.message ?? 'writes fail'}${kept ? `; ${kept} kept until space is freed` : ''}\n`;
}
