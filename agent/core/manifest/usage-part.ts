/** The manifest's top-level `budget:` and `pricing:` maps, validated on their own (problems located under their keys). */
import type { ManifestProblem } from '../errors.js';
import { manifestErrorMap } from './schema.js';
import { dotted, type Locate } from './source.js';
import {
  budgetSchema,
  normalizeBudget,
  normalizePricing,
  pricingSchema,
  usageProblems,
  type BudgetSpec,
  type PricingSpec,
  type RawBudget,
  type RawPricing,
  type RawUsage,
} from './usage.js';
import type { ZodProblems } from './schema.js';

export function parseUsagePart(
  top: { budget?: unknown; pricing?: unknown },
  services: ReadonlyMap<string, { usage?: RawUsage | undefined; metrics?: { url: string } | undefined }>,
  file: string,
  locate: Locate,
  zodProblems: ZodProblems,
): { budget: BudgetSpec | undefined; pricing: PricingSpec | undefined; problems: ManifestProblem[] } {
  const problems: ManifestProblem[] = [];
  let budget: RawBudget | undefined;
  let pricing: RawPricing | undefined;
  if (top.budget !== undefined) {
    const parsed = budgetSchema.safeParse(top.budget ?? {}, { error: manifestErrorMap });
    if (parsed.success) budget = parsed.data;
    else problems.push(...zodProblems(parsed.error, ['budget'], file, locate));
  }
  if (top.pricing !== undefined) {
    const parsed = pricingSchema.safeParse(top.pricing ?? {}, { error: manifestErrorMap });
    if (parsed.success) pricing = parsed.data;
    else problems.push(...zodProblems(parsed.error, ['pricing'], file, locate));
  }
  for (const p of usageProblems(services, budget, pricing)) {
    problems.push({ file, ...locate(p.path), path: dotted(p.path), message: p.message });
  }
  return {
    budget: budget ? normalizeBudget(budget) : undefined,
    pricing: pricing ? normalizePricing(pricing) : undefined,
    problems,
  };
}
