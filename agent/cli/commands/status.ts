/** `vigil status`: through the agent when it runs, else one direct batched call. */
import { EXIT_OK } from '../../core/errors.js';
import type { ServiceStatus, StatusDoc } from '../../core/status.js';
import { requireInStatus } from '../../app/status.js';
import { NO_AGENT, readViaAgent } from '../remote.js';
import { JSON_FLAG, parse } from '../args.js';
import { printJson, type Io } from '../io.js';
import { ago, hostLine, statusTable } from '../format.js';
import type { HostDoc } from '../../core/host.js';
import { vigilPaths } from '../../core/paths.js';
import { existsSync } from 'node:fs';

export async function statusCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { ...JSON_FLAG, host: { type: 'boolean' } },
    'vigil status [NAME...] [--json [--host]]',
  );
  // The host strip: always in the text, in JSON only when asked (--host).
  const wantHost = values.json !== true || values.host === true;
  let host: HostDoc | null;
  const viaAgent = await readViaAgent(io, (c) =>
    Promise.all([c.status(), wantHost ? c.call('host', {}).catch(() => null) : null]),
  );
  let doc: StatusDoc;
  if (viaAgent === NO_AGENT) {
    const { directStatusFor } = await import('./direct.js');
    [doc, host] = await Promise.all([directStatusFor(io), wantHost ? directHost(io) : null]);
  } else [doc, host] = viaAgent;
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
  if (values.json) printJson(io, values.host ? { ...doc, host } : doc);
  else
    io.out(
      `${host ? `${hostLine(host)}\n\n` : ''}${statusTable(rows, Date.now())}\n${scrapeLines(doc.services, Date.now())}${diskLine(doc)}`,
    );
  return EXIT_OK;
}

/** Without an agent: the same facts read here (systeminformation loads now, for this command only). */
async function directHost(io: Io): Promise<HostDoc | null> {
  const [{ SiHostFacts }, { statfsSpace }, { systemClock }] = await Promise.all([
    import('../../adapters/host/si-host-facts.js'),
    import('../../adapters/fs/disk-space.js'),
    import('../../adapters/clock/system-clock.js'),
  ]);
  const home = vigilPaths(io.env).home;
  const facts = new SiHostFacts({
    home: existsSync(home) ? home : '/',
    disk: statfsSpace,
    clock: systemClock,
  });
  return facts.read().catch(() => null);
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
