/**
 * Request bodies of the credential routes, validated (server side only: zod stays out of the client).
 * Messages name the field, never echo a value.
 */
import { z } from 'zod';
import { parseBody as parse } from './body-parse.js';
import type { RemoveCredentialBody, RotateCredentialsBody, SetCredentialBody } from './credentials.js';

const actor = z.enum(['cli', 'ui']).optional();

const setBody = z.strictObject({ value: z.string(), actor });
const removeBody = z.strictObject({ actor }).optional();
const rotateBody = z.strictObject({
  values: z.record(z.string(), z.string()),
  timeoutSec: z.number().positive().max(3600).optional(),
  stableSec: z.number().min(0).max(3600).optional(),
  actor,
});

export const parseSetBody = (b: unknown): SetCredentialBody =>
  parse(setBody, b, 'PUT /api/credentials/:set/keys/:key');
export const parseRemoveBody = (b: unknown): RemoveCredentialBody | undefined =>
  parse(removeBody, b, 'DELETE /api/credentials/:set/keys/:key');
export const parseRotateBody = (b: unknown): RotateCredentialsBody =>
  parse(rotateBody, b, 'POST /api/credentials/:set/rotate');
