/** `dependsOn: [a, b]` means started; the map form says per dependency: `{ redis: healthy, proxy: started }`. */
export type DependencyCondition = 'started' | 'healthy';

export interface Dependency {
  service: string;
  condition: DependencyCondition;
  /** Where it is written under `dependsOn`: the list index, or the map key (for messages). */
  key: string | number;
}

export const DEPENDENCY_CONDITIONS: readonly DependencyCondition[] = ['started', 'healthy'];

/**
 * The entries of a `dependsOn` value as written (list or map), or the problems with it, each at the path
 * below `dependsOn` it concerns. Pure.
 */
export function readDependsOn(
  value: unknown,
): { deps: Dependency[] } | { problems: { path: (string | number)[]; message: string }[] } {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const deps: Dependency[] = [];
  if (Array.isArray(value)) {
    value.forEach((v: unknown, i) => {
      if (typeof v === 'string') deps.push({ service: v, condition: 'started', key: i });
      else problems.push({ path: [i], message: 'must be a service name' });
    });
  } else if (typeof value === 'object' && value !== null) {
    for (const [service, cond] of Object.entries(value)) {
      if (cond === 'started' || cond === 'healthy') deps.push({ service, condition: cond, key: service });
      else
        problems.push({
          path: [service],
          message: `must be healthy or started, not ${JSON.stringify(cond)}`,
        });
    }
  } else {
    const found =
      typeof value === 'string'
        ? `the string ${JSON.stringify(value)}`
        : value === null
          ? 'empty'
          : typeof value;
    problems.push({
      path: [],
      message: `must be a list of services or a map of service: healthy | started, not ${found}`,
    });
  }
  return problems.length > 0 ? { problems } : { deps };
}

/**
 * Dependency ordering of services: a depth-first walk in manifest order, so every service comes right
 * after the (not yet placed) services it depends on, and independent services keep their manifest order.
 * Names in dependsOn that are not among the items are ignored (the parser reports them). Pure.
 */

export function dependencyOrder<T extends { name: string; dependsOn: string[] }>(
  items: T[],
): { sorted: T[] } | { cycle: string[] } {
  const byName = new Map(items.map((s) => [s.name, s]));
  const sorted: T[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | null => {
    const st = state.get(name);
    if (st === 'done') return null;
    if (st === 'visiting') return [...stack.slice(stack.indexOf(name)), name];
    const item = byName.get(name);
    if (!item) return null;
    state.set(name, 'visiting');
    stack.push(name);
    for (const dep of item.dependsOn) {
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(name, 'done');
    sorted.push(item);
    return null;
  };
  for (const item of items) {
    const cycle = visit(item.name);
    if (cycle) return { cycle };
  }
  return { sorted };
}

/** Services that (transitively) depend on `name`, in dependency order. */
export function dependantsOf<T extends { name: string; dependsOn: string[] }>(items: T[], name: string): T[] {
  const out = new Set<string>([name]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const s of items) {
      if (!out.has(s.name) && s.dependsOn.some((d) => out.has(d))) {
        out.add(s.name);
        grew = true;
      }
    }
  }
  out.delete(name);
  return items.filter((s) => out.has(s.name));
}
