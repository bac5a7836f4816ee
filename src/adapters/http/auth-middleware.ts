import { createMiddleware } from 'hono/factory';
import type { Authenticate, Principal } from '#application/auth/authenticate.ts';
import { Unauthorized } from '#domain/shared/domain-error.ts';

/** The context of every request; a principal exists only in secured routes (SecuredEnv). */
export interface AppEnv {
  Variables: { requestId: string };
}

/** The context of a secured route's handler: the bearer middleware has put the principal there. */
export interface SecuredEnv {
  Variables: { principal: Principal };
}

/** The scheme name is case-insensitive (RFC 9110 §11.1). */
const BEARER = /^Bearer +([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*)$/i;

/** Resolves `Authorization: Bearer <JWT>` to the principal, or answers 401. */
export function requireAuth(authenticate: Pick<Authenticate, 'execute'>) {
  return createMiddleware<SecuredEnv>(async (c, next) => {
    const match = BEARER.exec(c.req.header('Authorization') ?? '');
    if (!match?.[1]) throw new Unauthorized();
    c.set('principal', await authenticate.execute(match[1]));
    await next();
  });
}
