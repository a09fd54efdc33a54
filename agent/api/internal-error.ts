/**
 * The answer to a throw the API does not know (not a VigilError): always a named code, E_INTERNAL,
 * with a request id that the agent's log carries alongside what was thrown. The reply never quotes the
 * throwable (it may hold a path, a value or a stack), and a thrown null, undefined or string is
 * described, not printed as "null".
 */
import { randomBytes } from 'node:crypto';

/** What was thrown, for the log: the name and message of an Error, else its type and (short) text. */
export function describeThrown(err: unknown): { kind: string; message: string } {
  if (err instanceof Error) return { kind: err.name || 'Error', message: err.message || '(no message)' };
  if (err === null) return { kind: 'null', message: 'null was thrown' };
  if (err === undefined) return { kind: 'undefined', message: 'undefined was thrown' };
  const text = typeof err === 'string' ? err : (safeString(err) ?? typeof err);
  return { kind: typeof err, message: text.length > 200 ? `${text.slice(0, 200)}…` : text || '(empty)' };
}

function safeString(v: unknown): string | null {
  try {
    return typeof v === 'object' ? JSON.stringify(v) : String(v);
  } catch {
    return null;
  }
}

export const newRequestId = (): string => randomBytes(6).toString('hex');

/** The client's message: the request id to find the details in the agent log by, nothing of the throw. */
export function internalMessage(requestId: string): string {
  return `internal error (request ${requestId}): details are in the agent log ($VIGIL_HOME/logs/vigil-agent.log)`;
}
