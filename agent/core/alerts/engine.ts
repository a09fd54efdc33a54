/**
 * The alert engine: rules over the status (and one-shot happenings) → alerts that fire and resolve, and
 * the notifications they cause, with dedupe (a firing alert is notified once), a cooldown per alert
 * (a flapping alert is not re-sent within cooldownSec; if it still fires when the cooldown ends it is),
 * recovery notices, and quiet hours that hold non-critical notices for a morning digest. Pure: time is
 * an input, state is data the caller persists.
 */
import type { NewEvent, Severity } from '../events.js';
import type { Health, ServiceState } from '../status.js';
import type { AlertsConfig } from './config.js';
import { downTimerStart, type Intent } from '../intent.js';
import { fmtDuration, inWindow, lastOccurrence } from './clock-time.js';
import type { AlertRule, AlertState, DigestItem, Notification } from './model.js';

export interface AlertServiceView {
  name: string;
  state: ServiceState;
  health: Health;
  /** Since when it has had this health (ms). */
  healthSince: number | null;
  healthReason: string | null;
  drifted: boolean;
  /**
   * What the latest observation alone says (no stability wait) and since when: "down" and "degraded"
   * are timed on these, so a service whose probe is healthy again never pages while it waits to turn
   * green. Default: the shown health and healthSince.
   */
  rawHealth?: Health;
  rawSince?: number | null;
  /** When the process state last changed (ms), for intents. */
  processSince?: number | null;
  /** What Vigil last asked the service manager to do with it (intended stops never page). */
  intent?: Intent | null;
}

export interface OneShot {
  rule: 'agent-restarted';
  at: number;
  message: string;
}

export interface AlertTickInput {
  services: readonly AlertServiceView[];
  oneShots: readonly OneShot[];
  now: number;
  /** Conditions decided outside the engine (the metric rules, after their `forSec`): true while listed. */
  extra?: readonly AlertCondition[];
}

export interface AlertTickOutput {
  /** To deliver now. */
  send: Notification[];
  /** Held for the digest (recorded, not delivered). */
  held: Notification[];
  /** Alert states that changed (persist them). */
  changed: AlertState[];
  /** alert-firing / alert-resolved events. */
  events: NewEvent[];
  /** The held list changed (persist it). */
  heldChanged: boolean;
}

export interface EngineState {
  alerts: AlertState[];
  held: DigestItem[];
}

export interface AlertCondition {
  key: string;
  rule: AlertRule;
  service: string | null;
  severity: Severity;
  since: number;
  message: string;
}

const TITLES: Readonly<Record<AlertRule, (s: string) => string>> = {
  'service-down': (s) => `${s} is down`,
  'crash-loop': (s) => `${s} is crash-looping`,
  'health-degraded': (s) => `${s} is degraded`,
  'unit-drift': (s) => `${s}: unit file edited outside Vigil`,
  'agent-restarted': () => 'Vigil agent restarted after an unclean stop',
  // The metric rules ("… is …": the recovery notice says "was").
  'error-rate': (s) => `${s}'s error rate is high`,
  'latency-p95': (s) => `${s}'s p95 latency is high`,
  'memory-high': (s) => `${s}'s memory is near its limit`,
  'cost-per-hour': (s) => `${s}'s cost per hour is over budget`,
  'circuit-breaker': (s) => `${s}'s circuit breaker is open`,
  'tokens-per-request': (s) => `${s}'s token use per request is high`,
};

export class AlertEngine {
  private readonly alerts = new Map<string, AlertState>();
  private held: DigestItem[];

  constructor(
    private config: AlertsConfig,
    private tz: string,
    restored: EngineState = { alerts: [], held: [] },
  ) {
    for (const a of restored.alerts) this.alerts.set(a.key, { ...a });
    this.held = restored.held.map((h) => ({ ...h }));
  }

  setConfig(config: AlertsConfig, tz: string = this.tz): void {
    this.config = config;
    this.tz = tz;
  }

  state(): EngineState {
    return {
      alerts: [...this.alerts.values()].map((a) => ({ ...a })),
      held: this.held.map((h) => ({ ...h })),
    };
  }

  firing(): AlertState[] {
    return [...this.alerts.values()].filter((a) => a.firing);
  }

  quiet(now: number): boolean {
    const q = this.config.quietHours;
    return q !== null && inWindow(now, q.from, q.to, this.tz);
  }

  /** The conditions true right now, from the status. */
  conditions(services: readonly AlertServiceView[], now: number): AlertCondition[] {
    const out: AlertCondition[] = [];
    const c = this.config;
    for (const s of services) {
      const raw = s.rawHealth ?? s.health;
      const rawSince = s.rawSince ?? s.healthSince ?? now;
      const why = s.healthReason ? ` (${s.healthReason})` : '';
      // An intent holds the down and crash-loop pages back, and the down timer starts after its transition.
      const start = downTimerStart(
        rawSince,
        s.intent ?? null,
        { state: s.state, since: s.processSince ?? null },
        now,
      );
      if (s.state === 'crashloop') {
        if (start !== null)
          out.push({
            key: `crash-loop:${s.name}`,
            rule: 'crash-loop',
            service: s.name,
            severity: 'critical',
            since: s.healthSince ?? now,
            message: `${s.name} keeps crashing and restarting`,
          });
      } else if (
        raw === 'down' &&
        s.state !== 'stopped' &&
        s.state !== 'stopping' &&
        start !== null &&
        now - start >= c.downForSec * 1000
      ) {
        out.push({
          key: `service-down:${s.name}`,
          rule: 'service-down',
          service: s.name,
          severity: 'critical',
          since: start,
          message: `${s.name} has been down for ${fmtDuration(now - start)}${why}`,
        });
      }
      if (raw === 'degraded' && now - rawSince >= c.degradedForSec * 1000) {
        out.push({
          key: `health-degraded:${s.name}`,
          rule: 'health-degraded',
          service: s.name,
          severity: 'warning',
          since: rawSince,
          message: `${s.name} has been degraded for ${fmtDuration(now - rawSince)}${why}`,
        });
      }
      if (s.drifted) {
        out.push({
          key: `unit-drift:${s.name}`,
          rule: 'unit-drift',
          service: s.name,
          severity: 'warning',
          since: now,
          message: `${s.name}: its unit file was edited by hand; run "vigil apply" to restore it`,
        });
      }
    }
    return out;
  }

  step(input: AlertTickInput): AlertTickOutput {
    const { now } = input;
    const out: AlertTickOutput = { send: [], held: [], changed: [], events: [], heldChanged: false };
    if (!this.config.enabled) return this.resolveAll(out, now);
    const conds = [...this.conditions(input.services, now), ...(input.extra ?? [])];
    const trueKeys = new Set(conds.map((c) => c.key));

    for (const c of conds) {
      const prev = this.alerts.get(c.key);
      if (prev?.firing) {
        if (prev.message !== c.message) prev.message = c.message; // kept fresh for display, not persisted per tick
        continue;
      }
      const a: AlertState = {
        key: c.key,
        rule: c.rule,
        service: c.service,
        severity: c.severity,
        firing: true,
        since: now,
        resolvedAt: null,
        message: c.message,
        notifiedAt: prev?.notifiedAt ?? null,
        notified: false,
        pending: false,
      };
      this.alerts.set(c.key, a);
      out.events.push(this.event(a, 'alert-firing', now));
      if (a.notifiedAt !== null && now - a.notifiedAt < this.config.cooldownSec * 1000) a.pending = true;
      else this.notify(a, 'firing', now, out);
      out.changed.push(a);
    }

    for (const a of this.alerts.values()) {
      if (!a.firing) continue;
      if (!trueKeys.has(a.key)) {
        this.resolve(a, now, out);
      } else if (a.pending && a.notifiedAt !== null && now - a.notifiedAt >= this.config.cooldownSec * 1000) {
        a.pending = false;
        this.notify(a, 'firing', now, out);
        out.changed.push(a);
      }
    }

    for (const o of input.oneShots) {
      const a: AlertState = {
        key: `${o.rule}:${o.at}`,
        rule: o.rule,
        service: null,
        severity: 'warning',
        firing: false,
        since: o.at,
        resolvedAt: o.at,
        message: o.message,
        notifiedAt: null,
        notified: false,
        pending: false,
      };
      if (this.alerts.has(a.key)) continue;
      this.alerts.set(a.key, a);
      out.events.push(this.event(a, 'alert-firing', now));
      this.notify(a, 'firing', now, out);
      out.changed.push(a);
    }

    this.maybeDigest(now, out);
    this.forgetOld(now);
    return out;
  }

  private resolveAll(out: AlertTickOutput, now: number): AlertTickOutput {
    for (const a of this.alerts.values()) if (a.firing) this.resolve(a, now, out, false);
    return out;
  }

  private resolve(a: AlertState, now: number, out: AlertTickOutput, notify = true): void {
    a.firing = false;
    a.resolvedAt = now;
    a.pending = false;
    out.events.push(this.event(a, 'alert-resolved', now));
    const heldItem = this.held.find((h) => h.alertKey === a.key && h.resolvedAt === null);
    if (heldItem) {
      heldItem.resolvedAt = now; // the digest tells both; no separate recovery notice
      out.heldChanged = true;
    } else if (a.notified && notify) {
      this.notify(a, 'resolved', now, out);
    }
    a.notified = false;
    out.changed.push(a);
  }

  private notify(a: AlertState, kind: 'firing' | 'resolved', now: number, out: AlertTickOutput): void {
    const title =
      kind === 'firing' ? TITLES[a.rule](a.service ?? 'Vigil') : `${a.service ?? 'Vigil'} recovered`;
    const lasted = now - a.since;
    const text =
      kind === 'firing'
        ? a.message
        : `${TITLES[a.rule](a.service ?? 'Vigil').replace(/ is /, ' was ')} for ${fmtDuration(lasted)}; it is fine again`;
    const n: Notification = {
      id: `${kind}:${a.key}:${now}`,
      kind,
      severity: a.severity,
      title,
      text,
      service: a.service,
      rule: a.rule,
      alertKey: a.key,
      at: now,
    };
    if (kind === 'firing') {
      a.notifiedAt = now;
      a.notified = true;
    }
    if (a.severity !== 'critical' && this.quiet(now)) {
      this.held.push({
        alertKey: kind === 'firing' ? a.key : null,
        severity: a.severity,
        title: kind === 'firing' ? title : `${title}: ${text}`,
        at: now,
        resolvedAt: null,
      });
      out.heldChanged = true;
      out.held.push(n);
    } else {
      out.send.push(n);
    }
  }

  /**
   * A one-off notice not tied to a rule (budget, spend spike, runaway): 'held' into the digest (as a line
   * with no alert key, so nothing tracks its recovery) when it is not critical and quiet hours are on; else
   * 'send'. With alerts disabled it is always 'send': `enabled` turns the rules off, not the channels, and
   * step() would then never send the digest that releases it.
   */
  offer(n: Notification, now: number): 'send' | 'held' {
    if (!this.config.enabled || n.severity === 'critical' || !this.quiet(now)) return 'send';
    const title = n.text.startsWith(n.title) ? n.text : `${n.title}: ${n.text}`;
    this.held.push({ alertKey: null, severity: n.severity, title, at: now, resolvedAt: null });
    return 'held';
  }

  /** When held notices wait, quiet hours are over and the digest time has come since the first was held. */
  private maybeDigest(now: number, out: AlertTickOutput): void {
    if (this.held.length === 0 || this.quiet(now)) return;
    const first = Math.min(...this.held.map((h) => h.at));
    const at = this.config.digestAt ?? this.config.quietHours?.to ?? null;
    if (at !== null && lastOccurrence(now, at, this.tz) < first) return;
    const items = this.held;
    this.held = [];
    out.heldChanged = true;
    const still = items.filter((i) => i.alertKey !== null && i.resolvedAt === null).length;
    // A notice held on its own (one-off, recovery) would have gone out at its severity: the digest keeps it.
    const loud = still > 0 || items.some((i) => i.alertKey === null && i.severity !== 'info');
    const lines = items.map((i) => {
      const when = new Date(i.at).toISOString().slice(11, 16);
      return `• ${when} ${i.title}${i.resolvedAt !== null ? ` (recovered ${new Date(i.resolvedAt).toISOString().slice(11, 16)})` : ''}`;
    });
    out.send.push({
      id: `digest::${now}`,
      kind: 'digest',
      severity: loud ? 'warning' : 'info',
      title: `Vigil digest: ${items.length} alert${items.length === 1 ? '' : 's'} during quiet hours${still > 0 ? `, ${still} still open` : ''}`,
      text: lines.join('\n'),
      service: null,
      rule: null,
      alertKey: null,
      at: now,
      items,
    });
  }

  /** Resolved alerts are kept a day (cooldown memory), then dropped from memory. */
  private forgetOld(now: number): void {
    const keep = Math.max(this.config.cooldownSec * 1000, 86_400_000);
    for (const [k, a] of this.alerts)
      if (!a.firing && a.resolvedAt !== null && now - a.resolvedAt > keep) this.alerts.delete(k);
  }

  private event(a: AlertState, type: 'alert-firing' | 'alert-resolved', now: number): NewEvent {
    const firing = type === 'alert-firing';
    return {
      key: `${type}:${a.key}:${firing ? a.since : now}`,
      at: now,
      service: a.service,
      type,
      severity: firing ? a.severity : 'info',
      message: firing ? `alert: ${a.message}` : `resolved: ${TITLES[a.rule](a.service ?? 'Vigil')}`,
      data: { rule: a.rule, alert: a.key },
    };
  }
}
