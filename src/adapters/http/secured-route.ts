import { createRoute, type OpenAPIHono, type RouteConfig } from '@hono/zod-openapi';
import type { Env, MiddlewareHandler } from 'hono';
import type { Authenticate } from '#application/auth/authenticate.ts';
import { requireAuth } from './auth-middleware.ts';
import { problems } from './openapi.ts';

const SCHEME = 'Bearer';

type SecuredRouteConfig<P extends string> = Omit<RouteConfig, 'path' | 'security' | 'middleware'> & {
  path: P;
};

/**
 * Declares routes that need a bearer token: one call gives the route its OpenAPI `security` (and its 401) and the
 * middleware that enforces it, so the document cannot say "secured" about a public route. The handler's context
 * holds the principal. `after` runs once the caller is known, before the request is validated.
 */
export function securedRoutes(authenticate: Pick<Authenticate, 'execute'>) {
  const auth = requireAuth(authenticate);
  // biome-ignore lint/suspicious/noExplicitAny: each middleware brings its own context type.
  return <P extends string, R extends SecuredRouteConfig<P>, M extends MiddlewareHandler<any>[] = []>(
    config: R,
    ...after: M
  ) =>
    createRoute({
      ...config,
      responses: { ...problems([401, 'UNAUTHORIZED']), ...config.responses },
      security: [{ [SCHEME]: [] }],
      middleware: [auth, ...after] as [typeof auth, ...M],
    });
}

/** Describes the scheme the secured routes name in the OpenAPI document. */
export function documentBearerScheme<E extends Env>(app: OpenAPIHono<E>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', SCHEME, {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  });
}
