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
