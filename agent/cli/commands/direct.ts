/** Commands without a running agent: the same work done in this process. */
import type { StatusDoc } from '../../core/status.js';
import { directStatus } from '../../app/status.js';
import { createContext } from '../../daemon/compose.js';
import { memoryEnforcementHere } from '../../adapters/systemd/memory-enforcement.js';
import type { Io } from '../io.js';

export async function directStatusFor(io: Io): Promise<StatusDoc> {
  const ctx = await createContext(io.env);
  try {
    const store = ctx.existingStore();
    const doc = await directStatus({ manager: ctx.manager, store, clock: ctx.clock });
    // Without the agent nobody enforces limits.memory where MemoryMax= is ignored.
    const by = memoryEnforcementHere(ctx.manager.backend, io.env).by === 'systemd' ? 'systemd' : 'none';
    const limits = new Map(store?.listServices().map((s) => [s.name, s.spec.limits.memoryBytes]) ?? []);
    return {
      ...doc,
      services: doc.services.map((s) => {
        const limit = limits.get(s.name);
        return limit === undefined ? s : { ...s, memoryLimitBytes: limit, memoryEnforcement: by };
      }),
    };
  } finally {
    ctx.close();
  }
}
