/** The request body of POST /api/budget/resume, validated (server side only: zod stays out of the client). */
import { z } from 'zod';
import { VigilError } from '../core/errors.js';
import type { BudgetResumeRequest } from './routes/usage.js';

const resumeBody = z
  .strictObject({
    addUsd: z.number().positive('must be above 0').max(1_000_000, 'must be at most 1000000').optional(),
    services: z.array(z.string().min(1)).max(1000).optional(),
  })
  .optional();

export function parseResumeBody(body: unknown): BudgetResumeRequest {
  const r = resumeBody.safeParse(body);
  if (r.success) return r.data ?? {};
  const issue = r.error.issues[0]!;
  const where = issue.path.length > 0 ? issue.path.map(String).join('.') : 'body';
  throw new VigilError('E_USAGE', `POST /api/budget/resume: ${where}: ${issue.code === 'unrecognized_keys' ? `unknown key ${issue.keys.join(', ')}` : issue.message}`);
}
