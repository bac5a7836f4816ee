import type { z } from '@hono/zod-openapi';
import { Problem } from './schemas.ts';

/** Small builders that keep the route declarations short. */
export function jsonBody<T extends z.ZodType>(schema: T, required = true) {
  return { content: { 'application/json': { schema } }, required };
}

export function json<T extends z.ZodType>(
  schema: T,
  description: string,
  headers?: Record<string, { description: string; schema: { type: 'string' | 'integer' } }>,
) {
  return { description, content: { 'application/json': { schema } }, ...(headers ? { headers } : {}) };
}

export function problems(...entries: [number, string][]) {
  return Object.fromEntries(
    entries.map(([status, description]) => [
      status,
      { description, content: { 'application/problem+json': { schema: Problem } } },
    ]),
  ) as Record<
    number,
    { description: string; content: { 'application/problem+json': { schema: typeof Problem } } }
  >;
}
