import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';

/** Request headers a browser client may send: auth, JSON, idempotent sends, stream resume, async replies. */
const ALLOWED_HEADERS = [
  'Authorization',
  'Content-Type',
  'Idempotency-Key',
  'Last-Event-ID',
  'Prefer',
  'X-Request-Id',
];
/** Response headers a browser client may read besides the CORS-safelisted ones. */
const EXPOSED_HEADERS = [
  'Location',
  'X-Request-Id',
  'X-Cache',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'Retry-After',
  'WWW-Authenticate',
];
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/**
 * CORS for the listed browser origins (exact matches). A request from any other origin, or with none, gets no
 * CORS headers, and an OPTIONS from it is not a preflight: it is answered like any unsupported method.
 */
export function corsFor(origins: readonly string[]): MiddlewareHandler {
  const allowed = new Set(origins);
  const handler = cors({
    origin: (origin) => (allowed.has(origin) ? origin : null),
    allowMethods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
    allowHeaders: ALLOWED_HEADERS,
    exposeHeaders: EXPOSED_HEADERS,
    maxAge: PREFLIGHT_MAX_AGE_SECONDS,
  });
  return async (c, next) => {
    if (!allowed.has(c.req.header('Origin') ?? '')) {
      await next();
      // A cache must not hand this answer (without CORS headers) to an allowed origin.
      c.header('Vary', 'Origin', { append: true });
      return;
    }
    return handler(c, next);
  };
}
