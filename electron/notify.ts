/**
 * Which agent events become desktop notifications, and where clicking one leads. Pure: main.ts shows
 * them with Electron's Notification and opens the route on click.
 */
import type { RouteResponse } from '../agent/api/contract.js';

type VigilEvent = RouteResponse<'events'>['events'][number];

export interface DesktopNotice {
  title: string;
  body: string;
  /** The dashboard view a click opens. */
  route: string;
  urgency: 'normal' | 'critical';
}

const serviceRoute = (name: string | null): string =>
  name === null ? '#/' : `#/service/${encodeURIComponent(name)}`;

export function noticeFor(e: VigilEvent): DesktopNotice | null {
  const d = (e.data ?? {}) as Record<string, unknown>;
  switch (e.type) {
    case 'budget-threshold': {
      const t = typeof d.threshold === 'number' ? d.threshold : null;
      const over = t !== null && t >= 100;
      return {
        title: over ? 'Budget reached' : `Budget ${t ?? ''} % reached`.replace('  ', ' '),
        body: e.message,
        route: '#/usage',
        urgency: over ? 'critical' : 'normal',
      };
    }
    case 'budget-stopped':
      return {
        title: `${e.service ?? 'A service'} stopped for spend`,
        body: e.message,
        route: '#/usage',
        urgency: 'critical',
      };
    case 'health-down':
      return {
        title: `${e.service ?? 'A service'} is down`,
        body: e.message,
        route: serviceRoute(e.service),
        urgency: 'critical',
      };
    case 'crashloop':
    case 'start-limit-hit':
      return {
        title: `${e.service ?? 'A service'} is crash-looping`,
        body: e.message,
        route: serviceRoute(e.service),
        urgency: 'critical',
      };
    case 'stop-timeout':
      return {
        title: `${e.service ?? 'A service'} did not stop in time`,
        body: e.message,
        route: serviceRoute(e.service),
        urgency: 'normal',
      };
    case 'oom-killed':
      return {
        title: `${e.service ?? 'A service'} ran out of memory`,
        body: e.message,
        route: serviceRoute(e.service),
        urgency: 'critical',
      };
    case 'credential-rotation': {
      const phase = d.phase;
      if (phase === 'succeeded')
        return { title: 'Credential rotated', body: e.message, route: '#/credentials', urgency: 'normal' };
      if (phase === 'rolled-back' || phase === 'rollback-failed' || phase === 'failed') {
        return {
          title: phase === 'rolled-back' ? 'Rotation rolled back' : 'Rotation failed',
          body: e.message,
          route: '#/credentials',
          urgency: 'critical',
        };
      }
      return null;
    }
    case 'runaway':
      return {
        title: `Runaway spend: ${e.service ?? 'a service'}`,
        body: e.message,
        route: '#/usage',
        urgency: 'critical',
      };
    default:
      return null;
  }
}
