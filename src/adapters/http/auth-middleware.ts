import { createMiddleware } from 'hono/factory';
import type { Authenticate, Principal } from '#application/auth/authenticate.ts';
import { Unauthorized } from '#domain/shared/domain-error.ts';

export interface AppEnv {
  /** quotaReported: the send route already put the quota in the RateLimit-* headers (or the user has none). */
  Variables: { principal: Principal; requestId: string; quotaReported: boolean };
}

/** The scheme name is case-insensitive (RFC 9110 §11.1). */
const BEARER = /^Bearer +([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*)$/i;

/** Resolves `Authorization: Bearer <JWT>` to the principal, or answers 401. */
export function requireAuth(authenticate: Authenticate) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const match = BEARER.exec(c.req.header('Authorization') ?? '');
    if (!match?.[1]) throw new Unauthorized();
    c.set('principal', await authenticate.execute(match[1]));
    await next();
  });
}
