/**
 * The manifest's top-level `otlp:` map: the loopback OTLP/HTTP listener that takes usage in
 * (docs/otlp.md). Validated on its own (problems located under `otlp.`); `services` must name manifest
 * services. The token is never in the manifest: `tokenFile` names a file that holds it. Pure.
 */
import { z } from 'zod';
import type { ManifestProblem } from '../errors.js';
import { manifestErrorMap } from './schema.js';
import { dotted, type Locate } from './source.js';
import type { ZodProblems } from './schema.js';

export interface OtlpSpec {
  /** Loopback host (127.0.0.1, localhost or ::1) and port. */
  host: string;
  port: number;
  /** A file holding the bearer token senders must present (absent: no token asked). */
  tokenFile: string | null;
  /** The resources' `service.name` → the manifest service their usage belongs to. */
  services: Record<string, string>;
}

const LISTEN_RE = /^(127\.0\.0\.1|localhost|\[::1\]):(\d{1,5})$/;

export const otlpSchema = z.strictObject({
  listen: z.string().refine((s) => {
    const m = LISTEN_RE.exec(s);
    return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 65535;
  }, 'must be a loopback address and port: "127.0.0.1:4318", "localhost:4318" or "[::1]:4318"'),
  tokenFile: z.string().startsWith('/', 'must be an absolute path').optional(),
  services: z.record(z.string().min(1, 'must not be empty').max(200, 'is too long'), z.string()).default({}),
});

export function parseOtlpPart(
  raw: unknown,
  serviceNames: ReadonlySet<string>,
  file: string,
  locate: Locate,
  zodProblems: ZodProblems,
): { otlp: OtlpSpec | undefined; problems: ManifestProblem[] } {
  if (raw === undefined) return { otlp: undefined, problems: [] };
  const parsed = otlpSchema.safeParse(raw ?? {}, { error: manifestErrorMap });
  if (!parsed.success)
    return { otlp: undefined, problems: zodProblems(parsed.error, ['otlp'], file, locate) };
  const problems: ManifestProblem[] = [];
  for (const [name, target] of Object.entries(parsed.data.services)) {
    if (!serviceNames.has(target)) {
      const p = ['otlp', 'services', name];
      problems.push({ file, ...locate(p), path: dotted(p), message: `unknown service "${target}"` });
    }
  }
  const m = LISTEN_RE.exec(parsed.data.listen)!;
  return {
    otlp: {
      host: m[1] === '[::1]' ? '::1' : m[1]!,
      port: Number(m[2]),
      tokenFile: parsed.data.tokenFile ?? null,
      services: parsed.data.services,
    },
    problems,
  };
}
