import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { GetMe } from '#application/user/get-me.ts';
import { QuotaExceeded, type Usage } from '#domain/quota/daily-quota.ts';
import type { SecuredEnv } from './auth-middleware.ts';
import { answerHeader } from './response-headers.ts';

/** The usage the handler saw when it took its prompt; the RateLimit-* headers report it. */
export interface QuotaEnv {
  Variables: { usageTaken?: Usage };
}

type QuotaContext = Context<SecuredEnv & QuotaEnv>;

/** The RateLimit-* response headers, as the OpenAPI document describes them. */
export const rateLimitHeaders = {
  'RateLimit-Limit': {
    description: 'Daily prompt limit (omitted when unlimited)',
    schema: { type: 'integer' as const },
  },
  'RateLimit-Remaining': { description: 'Prompts left today', schema: { type: 'integer' as const } },
  'RateLimit-Reset': {
    description: 'Seconds until the next UTC midnight',
    schema: { type: 'integer' as const },
  },
};

/**
 * Puts the daily quota in the RateLimit-* headers of every answer to a signed-in caller: the usage the handler
 * took, the usage of a QuotaExceeded refusal, or else (a 400 from the shape check, a 404) the current usage.
 */
export function reportQuota(getMe: Pick<GetMe, 'execute'>) {
  return createMiddleware<SecuredEnv & QuotaEnv>(async (c, next) => {
    await next();
    const usage = await usageToReport(c, getMe);
    if (!usage || usage.limit === null) return;
    // Written with the status line (answerHeader): setting them on c.res made Hono's answer a WHATWG Headers object,
    // which @hono/node-server then copied header by header.
    answerHeader(c, 'RateLimit-Limit', String(usage.limit));
    answerHeader(c, 'RateLimit-Remaining', String(usage.remaining ?? 0));
    answerHeader(c, 'RateLimit-Reset', String(usage.resetsInSeconds));
  });
}

async function usageToReport(c: QuotaContext, getMe: Pick<GetMe, 'execute'>): Promise<Usage | null> {
  if (c.error instanceof QuotaExceeded) return c.error.usage;
  const taken = c.get('usageTaken');
  if (taken) return taken;
  try {
    return (await getMe.execute({ user: c.get('principal').user })).usage;
  } catch {
    // The usage could not be read (database down): the answer stands without the headers.
    return null;
  }
}
