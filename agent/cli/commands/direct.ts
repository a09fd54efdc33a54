/** Commands without a running agent: the same work done in this process. */
import { VigilError } from '../../core/errors.js';
import type { StatusDoc } from '../../core/status.js';
import { directStatus } from '../../app/status.js';
import { createContext } from '../../daemon/compose.js';
import type { Io } from '../io.js';

export async function directStatusFor(io: Io): Promise<StatusDoc> {
  const ctx = await createContext(io.env);
  try {
    return await directStatus({ manager: ctx.manager, store: ctx.existingStore(), clock: ctx.clock });
  } finally {
    ctx.close();
  }
}

export function requireNames(doc: StatusDoc, names: readonly string[]): void {
  const known = new Set(doc.services.map((s) => s.name));
  const missing = names.filter((n) => !known.has(n));
  if (missing.length > 0) {
    throw new VigilError('E_UNKNOWN_SERVICE', `unknown service: ${missing.join(', ')}${known.size ? ` (installed: ${[...known].join(', ')})` : ''}`);
  }
}
