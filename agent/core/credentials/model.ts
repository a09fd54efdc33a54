/**
 * What Vigil shows about credential sets (CLI list, API, UI): key names, values masked to their last 4
 * characters, when each key was set, its age, whether it is overdue for rotation, and which services
 * load the set. Never a whole value. Pure.
 */
import type { CredentialEntry } from './envfile.js';

/** Per set, from the manifest's top-level `credentials:` map. */
export interface CredentialPolicy {
  rotateAfterDays?: number | undefined;
}

export type CredentialPolicies = Readonly<Record<string, CredentialPolicy>>;

export interface CredentialKeyInfo {
  key: string;
  /** "••••1a2b" (last 4 characters) for a value of 12 characters or more, else "••••". */
  masked: string;
  /** ISO time the key was last set (null when the file does not say; see `updatedFrom`). */
  updatedAt: string | null;
  /** Whole days since updatedAt (null when unknown). */
  ageDays: number | null;
  overdue: boolean;
}

export interface CredentialSetInfo {
  set: string;
  file: string;
  /** False for a set named in the manifest that has no file yet. */
  exists: boolean;
  keys: CredentialKeyInfo[];
  /** Installed services that load this set (manifest `credentials`, default their own name). */
  services: string[];
  rotateAfterDays: number | null;
  /** Some key is older than rotateAfterDays. */
  overdue: boolean;
  /** Why the set cannot be used as it is (unsafe mode, unparsable line…), with the fix; null when fine. */
  problem: string | null;
}

export interface CredentialsDoc {
  dir: string;
  sets: CredentialSetInfo[];
}

export const MASK = '••••';
/** Shorter values show no characters at all: 4 of 8 would give half of it away. */
export const MIN_MASKED_REVEAL = 12;
const DAY_MS = 86_400_000;

export function maskValue(value: string): string {
  return value.length >= MIN_MASKED_REVEAL ? `${MASK}${value.slice(-4)}` : MASK;
}

export function keyInfo(
  e: CredentialEntry,
  fallbackUpdatedAt: number | null,
  rotateAfterDays: number | null,
  now: number,
): CredentialKeyInfo {
  const at = e.updatedAt ?? fallbackUpdatedAt;
  const ageDays = at === null ? null : Math.max(0, Math.floor((now - at) / DAY_MS));
  return {
    key: e.key,
    masked: maskValue(e.value),
    updatedAt: at === null ? null : new Date(at).toISOString(),
    ageDays,
    overdue: rotateAfterDays !== null && at !== null && now - at > rotateAfterDays * DAY_MS,
  };
}

/** The services that load `set`, in dependency order (`services` must already be in that order). */
export function servicesLoading(
  services: readonly { name: string; credentials: readonly string[] }[],
  set: string,
): string[] {
  return services.filter((s) => s.credentials.includes(set)).map((s) => s.name);
}

export function describeSet(input: {
  set: string;
  file: string;
  entries: readonly CredentialEntry[] | null;
  fileUpdatedAt: number | null;
  services: readonly { name: string; credentials: readonly string[] }[];
  policies: CredentialPolicies;
  problem: string | null;
  now: number;
}): CredentialSetInfo {
  const days = input.policies[input.set]?.rotateAfterDays ?? null;
  const keys = (input.entries ?? []).map((e) => keyInfo(e, input.fileUpdatedAt, days, input.now));
  return {
    set: input.set,
    file: input.file,
    exists: input.entries !== null || input.problem !== null,
    keys,
    services: servicesLoading(input.services, input.set),
    rotateAfterDays: days,
    overdue: keys.some((k) => k.overdue),
    problem: input.problem,
  };
}
