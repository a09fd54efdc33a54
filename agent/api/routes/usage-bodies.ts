/** The request body of POST /api/budget/resume, validated (server side only: zod stays out of the client). */
import { z } from 'zod';
import { parseBody } from './body-parse.js';
import type { BudgetResumeRequest } from './usage.js';

const resumeBody = z
  .strictObject({
    addUsd: z.number().positive('must be above 0').max(1_000_000, 'must be at most 1000000').optional(),
    services: z.array(z.string().min(1)).max(1000).optional(),
  })
  .optional();

export function parseResumeBody(body: unknown): BudgetResumeRequest {
  return parseBody(resumeBody, body, 'POST /api/budget/resume') ?? {};
}
