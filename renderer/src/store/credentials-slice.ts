/**
 * Credential sets (key names, masked values, age, users) and rotation with live progress from the
 * agent's `credential-rotation` events. A value goes to the agent once, in a request body; it is never
 * kept in the store and never comes back.
 */
import type { StateCreator } from 'zustand/vanilla';
import { isApiError } from '../api/client.js';
import type { RotationStep, RotationView } from '../api/feature-types.js';
import type { AppState } from './index.js';
import type { StoreDeps } from './deps.js';
import {
  IDLE,
  type Availability,
  type CredentialSet,
  type RotationResult,
  type VigilEvent,
} from './types.js';

export interface CredentialsSlice {
  credentialSets: readonly CredentialSet[];
  credentialsState: Availability;
  rotation: RotationView | null;
  loadCredentials(): Promise<void>;
  /** `timeoutSec`: how long each service may take to become healthy (the agent's default: 60 s). */
  rotate(set: string, key: string, value: string, timeoutSec?: number): Promise<boolean>;
  setCredential(set: string, key: string, value: string): Promise<boolean>;
  removeCredential(set: string, key: string): Promise<boolean>;
  dismissRotation(): void;
  credentialsEvent(e: VigilEvent): void;
}

export const KEY_NAME = /^[A-Z_][A-Z0-9_]*$/;

/** Why a key name or value cannot be stored, or null. */
export function credentialProblem(key: string, value: string): string | null {
  if (!KEY_NAME.test(key))
    return 'Key names are upper-case letters, digits and _, not starting with a digit (e.g. OPENAI_API_KEY).';
  if (value === '') return 'Enter the new value.';
  if (/[\n\r\0]/.test(value)) return 'A value cannot contain a line break or NUL character.';
  if (value !== value.trim()) return 'The value starts or ends with whitespace: check what you pasted.';
  return null;
}

/** The step a `credential-rotation` event stands for (by its data.phase), or null. */
export function rotationStep(e: VigilEvent): RotationStep | null {
  if (e.type !== 'credential-rotation') return null;
  const d = (e.data ?? {}) as { phase?: unknown; services?: unknown; rollback?: unknown };
  const service = e.service ?? '';
  const rollback = d.rollback === true;
  // The reason is the part of the message after the first ": " ("web is not healthy: HTTP 401").
  const reason = e.message.includes(': ') ? e.message.slice(e.message.indexOf(': ') + 2) : e.message;
  switch (d.phase) {
    case 'started':
      return { kind: 'written', services: Array.isArray(d.services) ? (d.services as string[]) : [] };
    case 'restarting':
      return { kind: 'restarting', service };
    case 'healthy':
      return { kind: 'healthy', service, rollback };
    case 'unhealthy':
      return { kind: 'unhealthy', service, reason, rollback };
    case 'rolling-back':
      return { kind: 'rolling-back', service, reason: e.message };
    case 'succeeded':
      return { kind: 'succeeded' };
    case 'rolled-back':
      return { kind: 'rolled-back', reason: e.message };
    case 'rollback-failed':
      return { kind: 'rollback-failed', reason: e.message };
    case 'failed':
      return { kind: 'failed', reason: e.message };
    default:
      return null;
  }
}

/** Every step of a finished rotation, from the agent's answer. */
export function stepsFromResult(r: RotationResult): RotationStep[] {
  const steps: RotationStep[] = [{ kind: 'written', services: r.services }];
  for (const c of r.checks) {
    steps.push({ kind: 'restarting', service: c.service });
    steps.push(
      c.healthy
        ? { kind: 'healthy', service: c.service, rollback: false }
        : { kind: 'unhealthy', service: c.service, reason: c.reason, rollback: false },
    );
  }
  if (r.failed !== null)
    steps.push({ kind: 'rolling-back', service: r.failed.service, reason: r.failed.reason });
  for (const c of r.rollback ?? []) {
    steps.push(
      c.healthy
        ? { kind: 'healthy', service: c.service, rollback: true }
        : { kind: 'unhealthy', service: c.service, reason: c.reason, rollback: true },
    );
  }
  const why = r.failed === null ? '' : `${r.failed.service}: ${r.failed.reason}`;
  steps.push(
    r.outcome === 'succeeded'
      ? { kind: 'succeeded' }
      : r.outcome === 'rolled-back'
        ? { kind: 'rolled-back', reason: why }
        : { kind: 'rollback-failed', reason: why },
  );
  return steps;
}

export const createCredentialsSlice =
  (deps: StoreDeps): StateCreator<AppState, [], [], CredentialsSlice> =>
  (set, get) => {
    const mutate = async (what: string, run: () => Promise<unknown>): Promise<boolean> => {
      try {
        await run();
        get().toast('success', what);
        await get().loadCredentials();
        return true;
      } catch (err) {
        get().toast('error', `${what} failed: ${get().failed(err)}`);
        return false;
      }
    };
    return {
      credentialSets: [],
      credentialsState: IDLE,
      rotation: null,
      async loadCredentials() {
        if (get().credentialsState.kind === 'idle') set({ credentialsState: { kind: 'loading' } });
        try {
          const doc = await deps.api.call('credentials', {});
          set({ credentialSets: doc.sets, credentialsState: { kind: 'ready', at: deps.now() } });
        } catch (err) {
          if (isApiError(err) && err.unavailable) {
            set({
              credentialsState: { kind: 'unavailable', message: 'This agent has no credential store.' },
            });
          } else set({ credentialsState: { kind: 'error', message: get().failed(err) } });
        }
      },
      async rotate(setName, key, value, timeoutSec) {
        set({
          rotation: { set: setName, key, rotationId: null, steps: [], done: false, ok: null, logTail: [] },
        });
        try {
          const r = await deps.api.call('credentialRotate', { set: setName }, undefined, {
            values: { [key]: value },
            actor: 'ui',
            ...(timeoutSec === undefined ? {} : { timeoutSec }),
          });
          const ok = r.outcome === 'succeeded';
          // The result is the whole story: it replaces the live steps (events may still be in flight).
          set((st) =>
            st.rotation === null
              ? {}
              : {
                  rotation: {
                    ...st.rotation,
                    rotationId: r.id,
                    done: true,
                    ok,
                    logTail: r.failed?.logTail ?? [],
                    steps: stepsFromResult(r),
                  },
                },
          );
          await get().loadCredentials();
          return ok;
        } catch (err) {
          const reason = get().failed(err);
          set((s) => ({
            rotation: s.rotation && {
              ...s.rotation,
              done: true,
              ok: false,
              steps: [...s.rotation.steps, { kind: 'failed', reason }],
            },
          }));
          return false;
        }
      },
      setCredential: (setName, key, value) =>
        mutate(`Saved ${setName}/${key}`, () =>
          deps.api.call('credentialSet', { set: setName, key }, undefined, { value, actor: 'ui' }),
        ),
      removeCredential: (setName, key) =>
        mutate(`Removed ${setName}/${key}`, () =>
          deps.api.call('credentialRemove', { set: setName, key }, undefined, { actor: 'ui' }),
        ),
      dismissRotation() {
        set({ rotation: null });
      },
      credentialsEvent(e) {
        const r = get().rotation;
        if (r === null || r.done || e.type !== 'credential-rotation') return;
        const d = (e.data ?? {}) as { set?: unknown; rotationId?: unknown };
        if (d.set !== r.set) return;
        if (r.rotationId !== null && d.rotationId !== r.rotationId) return;
        const step = rotationStep(e);
        if (step === null) return;
        set({
          rotation: {
            ...r,
            rotationId: typeof d.rotationId === 'string' ? d.rotationId : r.rotationId,
            steps: [...r.steps, step],
          },
        });
      },
    };
  };
