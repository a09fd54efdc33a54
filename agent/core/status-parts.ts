/**
 * The agent's status document, materialised: the supervisor's document (one row per service, replaced at
 * each tick) with the parts the feature modules publish when their state changes — memory enforcement,
 * health and the last probe, resources, metric scrapes, spend and budget, disk. The replicated services'
 * groups are computed here, over the rows (after health: a group's health is its instances'). Nothing
 * here reads a clock or a module: each part is data, and the document is a pure function of them. Pure.
 *
 * A part that is absent leaves the document as without its module (no key added); the order below is
 * the order of the document's keys (`vigil status --json` prints them as they come).
 */
import { overallHealth } from './health/machine.js';
import { withGroups } from './replicas-status.js';
import type {
  AgentUsage,
  Health,
  MemoryEnforcement,
  MetricsScrape,
  ProbeSummary,
  StatusDoc,
  UsageSource,
} from './status.js';
import type { BudgetGlance, ServiceSpend } from './usage/report.js';
import type { DiskStatus } from './disk/condition.js';

/** A service's health as the health monitor judges it (ISO times). */
export interface HealthPart {
  health: Health;
  healthReason: string | null;
  healthSince: string;
  probe: ProbeSummary | null;
}

/** A service's last resource sample. */
export interface UsagePart {
  memoryBytes: number | null;
  cpuPercent: number | null;
  usageSource: UsageSource | null;
}

export interface StatusParts {
  /** limits.memory per service, and who enforces it (memory-watch). */
  memory?: { enforcement: Exclude<MemoryEnforcement, 'none'>; limits: ReadonlyMap<string, number> };
  /** Per service with a health snapshot (monitor: the health monitor). */
  health?: ReadonlyMap<string, HealthPart>;
  /** The last sample per service and the agent's own (monitor: the resource monitor). */
  resources?: { services: ReadonlyMap<string, UsagePart>; agent: AgentUsage };
  /** The last metrics.url scrape per service (monitor: the metric alert rules). */
  scrapes?: ReadonlyMap<string, MetricsScrape>;
  /** Today's spend per service or group, and the budget glance (usage). */
  spend?: { services: ReadonlyMap<string, ServiceSpend>; budget: BudgetGlance | null };
  /** The disk-full condition (disk). */
  disk?: DiskStatus;
}

export type StatusPartName = keyof StatusParts;

/** The document the agent serves: the supervisor's rows with every published part. */
export function statusDocument(base: StatusDoc, parts: StatusParts): StatusDoc {
  let doc = base;
  if (parts.memory) doc = withMemory(doc, parts.memory);
  if (parts.health) doc = withHealth(doc, parts.health);
  if (parts.resources) doc = withResources(doc, parts.resources);
  if (parts.scrapes) doc = withScrapes(doc, parts.scrapes);
  doc = withGroups(doc);
  if (parts.spend) doc = withSpend(doc, parts.spend);
  if (parts.disk) doc = { ...doc, disk: parts.disk };
  return doc;
}

function withMemory(doc: StatusDoc, part: NonNullable<StatusParts['memory']>): StatusDoc {
  return {
    ...doc,
    services: doc.services.map((s) => {
      const limit = part.limits.get(s.name);
      return limit === undefined ? s : { ...s, memoryLimitBytes: limit, memoryEnforcement: part.enforcement };
    }),
  };
}

/** Health, its reason and the last probe filled in, and the overall health. */
function withHealth(doc: StatusDoc, part: ReadonlyMap<string, HealthPart>): StatusDoc {
  const services = doc.services.map((s) => {
    const h = part.get(s.name);
    return h ? { ...s, ...h } : s;
  });
  return { ...doc, services, overall: overallHealth(services) };
}

function withResources(doc: StatusDoc, part: NonNullable<StatusParts['resources']>): StatusDoc {
  return {
    ...doc,
    services: doc.services.map((s) => {
      const u = part.services.get(s.name);
      // The last sample of a process that is gone is not the service's use now.
      if (s.pid === null) return { ...s, memoryBytes: null, cpuPercent: null, usageSource: null };
      if (!u) return { ...s, cpuPercent: null, usageSource: null };
      return {
        ...s,
        memoryBytes: u.memoryBytes ?? s.memoryBytes,
        cpuPercent: u.cpuPercent,
        usageSource: u.usageSource,
      };
    }),
    agent: part.agent,
  };
}

function withScrapes(doc: StatusDoc, part: ReadonlyMap<string, MetricsScrape>): StatusDoc {
  if (part.size === 0) return doc;
  return {
    ...doc,
    services: doc.services.map((s) => {
      const x = part.get(s.name);
      return x ? { ...s, metricsScrape: x } : s;
    }),
  };
}

function withSpend(doc: StatusDoc, part: NonNullable<StatusParts['spend']>): StatusDoc {
  return {
    ...doc,
    services: doc.services.map((svc) => {
      const spend = part.services.get(svc.name);
      return spend ? { ...svc, spend } : svc;
    }),
    ...(doc.groups
      ? {
          groups: doc.groups.map((g) => {
            const spend = part.services.get(g.name);
            return spend ? { ...g, spend } : g;
          }),
        }
      : {}),
    ...(part.budget ? { budget: part.budget } : {}),
  };
}
