/**
 * The tray, as data: which icon, the macOS title (today's spend), the tooltip and the menu, all pure
 * functions of the agent's state, so they are unit-tested without Electron. main.ts turns the menu spec
 * into an Electron Menu and maps each item's action to what it does.
 */
import type { RouteResponse } from '../agent/api/contract.js';

type StatusDoc = RouteResponse<'status'>;
type ServiceStatus = StatusDoc['services'][number];

export type Connection = 'connecting' | 'connected' | 'no-agent' | 'no-http' | 'error';

export interface TrayState {
  connection: Connection;
  /** Why the agent cannot be reached (shown in the menu). */
  problem: string | null;
  services: readonly Pick<ServiceStatus, 'name' | 'state' | 'health'>[];
  budget: NonNullable<StatusDoc['budget']> | null;
  /** Budget caps lifted for today (resume without --add). */
  budgetLifted: boolean;
  startAtLogin: boolean;
  platform: NodeJS.Platform;
}

export type TrayAction =
  | { kind: 'open'; route: string }
  | { kind: 'restart'; service: string }
  | { kind: 'resume-budget' }
  | { kind: 'raise-budget'; addUsd: number }
  | { kind: 'pause-budget' }
  | { kind: 'toggle-start-at-login' }
  | { kind: 'install-agent' }
  | { kind: 'quit' };

export interface MenuItemSpec {
  label?: string;
  type?: 'normal' | 'separator' | 'checkbox' | 'submenu';
  enabled?: boolean;
  checked?: boolean;
  action?: TrayAction;
  submenu?: MenuItemSpec[];
}

export type TrayIcon = 'ok' | 'warning' | 'down';

const STATE_TEXT: Readonly<Record<ServiceStatus['state'], string>> = {
  running: 'running',
  starting: 'starting',
  stopping: 'stopping',
  stopped: 'stopped',
  failed: 'failed',
  crashloop: 'crash loop',
  unknown: 'unknown',
};

const bad = (s: TrayState['services'][number]): boolean =>
  s.state === 'failed' || s.state === 'crashloop' || s.health === 'down';
const warn = (s: TrayState['services'][number]): boolean =>
  s.state === 'starting' || s.state === 'stopping' || s.state === 'unknown' || s.health === 'degraded';

/** ok / warning / down: the worst of the services, the budget and the connection. */
export function trayIcon(s: TrayState): TrayIcon {
  if (s.connection !== 'connected') return s.connection === 'connecting' ? 'warning' : 'down';
  if (s.services.some(bad) || s.budget?.state === 'exceeded') return 'down';
  if (s.services.some(warn) || s.budget?.state === 'warning') return 'warning';
  return 'ok';
}

/** The icon file for a state: template images on macOS (the system tints them), colour ones elsewhere. */
export function trayIconFile(icon: TrayIcon, platform: NodeJS.Platform): string {
  return platform === 'darwin' ? `tray-${icon}Template.png` : `tray-${icon}.png`;
}

function usd(v: number): string {
  return v >= 100 ? `$${Math.round(v)}` : `$${v.toFixed(2)}`;
}

/** macOS menu-bar title: today's spend (empty when the agent tracks none). */
export function trayTitle(s: TrayState): string {
  if (s.connection !== 'connected' || s.budget === null) return '';
  return usd(s.budget.todayUsd);
}

export function summary(s: TrayState): string {
  switch (s.connection) {
    case 'connecting':
      return 'Connecting to the Vigil agent…';
    case 'no-agent':
      return 'The Vigil agent is not running';
    case 'no-http':
      return 'The agent serves no dashboard (no --http)';
    case 'error':
      return `Vigil agent: ${s.problem ?? 'unreachable'}`;
    case 'connected':
      break;
  }
  const total = s.services.length;
  if (total === 0) return 'No services yet';
  const down = s.services.filter(bad).length;
  if (down > 0) return `${down} of ${total} down`;
  const attention = s.services.filter(warn).length;
  if (attention > 0) return `${attention} of ${total} need attention`;
  const stopped = s.services.filter((x) => x.state === 'stopped').length;
  return stopped > 0 ? `${total - stopped} running, ${stopped} stopped` : `All ${total} running`;
}

export function trayTooltip(s: TrayState): string {
  const spend =
    s.budget === null || s.connection !== 'connected'
      ? ''
      : ` · ${usd(s.budget.todayUsd)} today${s.budget.dailyUsd === null ? '' : ` of ${usd(s.budget.dailyUsd)}`}`;
  return `Vigil — ${summary(s)}${spend}`;
}

function serviceItem(svc: TrayState['services'][number]): MenuItemSpec {
  const mark = bad(svc) ? '✖' : warn(svc) ? '▲' : svc.state === 'running' ? '●' : '○';
  const health = svc.health === 'unknown' || svc.state !== 'running' ? '' : `, ${svc.health}`;
  return {
    label: `${mark} ${svc.name} — ${STATE_TEXT[svc.state]}${health}`,
    type: 'submenu',
    submenu: [
      { label: `Restart ${svc.name}`, action: { kind: 'restart', service: svc.name } },
      {
        label: 'Show details…',
        action: { kind: 'open', route: `#/service/${encodeURIComponent(svc.name)}` },
      },
    ],
  };
}

/**
 * How much the tray's "+$N" raises today's cap by: enough to cover what is already spent over the cap plus a
 * quarter of the cap, rounded up to 1, 2 or 5 times a power of ten (at least $1). Raising by less would stop
 * the services again on the next usage read.
 */
export function raiseStepUsd(todayUsd: number, dailyUsd: number): number {
  const need = Math.max(todayUsd - dailyUsd, 0) + dailyUsd / 4;
  if (!(need > 1)) return 1;
  const pow = 10 ** Math.floor(Math.log10(need));
  for (const m of [1, 2, 5, 10]) if (m * pow >= need - 1e-9) return m * pow;
  return 10 * pow;
}

function budgetItems(s: TrayState): MenuItemSpec[] {
  const b = s.budget;
  if (b === null) return [];
  const items: MenuItemSpec[] = [
    {
      label: `Spent ${usd(b.todayUsd)} today${b.dailyUsd === null ? '' : ` of ${usd(b.dailyUsd)}${b.pct === null ? '' : ` (${Math.round(b.pct)} %)`}`}`,
      action: { kind: 'open', route: '#/usage' },
    },
  ];
  // The status glance says whether today's cap is lifted (agents before it: the extra budget call's answer).
  const lifted = b.lifted ?? s.budgetLifted;
  // The same two controls as the Usage page: raise today's cap by an amount, or lift it (pause enforcement).
  let raise: { add: number; cap: number } | null = null;
  if (b.dailyUsd !== null && !lifted) {
    const add = raiseStepUsd(b.todayUsd, b.dailyUsd);
    raise = { add, cap: b.dailyUsd + add };
  }
  if (b.stopped.length > 0) {
    const who = b.stopped.join(', ');
    if (raise !== null)
      items.push({
        label: `Resume ${who} (+${usd(raise.add)}: today's cap to ${usd(raise.cap)})`,
        action: { kind: 'raise-budget', addUsd: raise.add },
      });
    items.push({ label: `Resume ${who} (lift today's caps)`, action: { kind: 'resume-budget' } });
  } else if (lifted) items.push({ label: 'Budget enforcement paused until midnight', enabled: false });
  else if (raise !== null)
    items.push(
      {
        label: `Raise today's cap +${usd(raise.add)} (to ${usd(raise.cap)})`,
        action: { kind: 'raise-budget', addUsd: raise.add },
      },
      { label: 'Pause budget enforcement for today', action: { kind: 'pause-budget' } },
    );
  return items;
}

/** The whole tray menu. */
export function buildTrayMenu(s: TrayState): MenuItemSpec[] {
  const menu: MenuItemSpec[] = [{ label: summary(s), enabled: false }];
  if (s.connection === 'no-agent') {
    menu.push({ label: 'Install and start the agent…', action: { kind: 'install-agent' } });
  } else if (s.connection === 'connected') {
    if (s.services.length > 0) menu.push({ type: 'separator' }, ...s.services.map(serviceItem));
    const budget = budgetItems(s);
    if (budget.length > 0) menu.push({ type: 'separator' }, ...budget);
  }
  menu.push(
    { type: 'separator' },
    { label: 'Open Dashboard', action: { kind: 'open', route: '#/' }, enabled: s.connection === 'connected' },
    { type: 'separator' },
    {
      label: 'Start at Login',
      type: 'checkbox',
      checked: s.startAtLogin,
      action: { kind: 'toggle-start-at-login' },
    },
    { label: 'Quit Vigil', action: { kind: 'quit' } },
  );
  return menu;
}
