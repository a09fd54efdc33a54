/** Hash routes (`#/service/web`): the agent serves one page, so the path never changes. Pure. */

export type Route =
  | { view: 'overview' }
  | { view: 'service'; name: string }
  | { view: 'usage' }
  | { view: 'credentials' }
  | { view: 'alerts' }
  | { view: 'settings' };

export type ViewName = Route['view'];

const SIMPLE: ReadonlySet<string> = new Set(['usage', 'credentials', 'alerts', 'settings']);

export function parseHash(hash: string): Route {
  const parts = hash
    .replace(/^#\/?/, '')
    .split('/')
    .filter((p) => p !== '');
  const [head, arg] = parts;
  if (head === 'service' && arg !== undefined) {
    try {
      return { view: 'service', name: decodeURIComponent(arg) };
    } catch {
      return { view: 'overview' };
    }
  }
  if (head !== undefined && SIMPLE.has(head)) return { view: head as 'usage' };
  return { view: 'overview' };
}

export function formatHash(route: Route): string {
  return route.view === 'service'
    ? `#/service/${encodeURIComponent(route.name)}`
    : route.view === 'overview'
      ? '#/'
      : `#/${route.view}`;
}
