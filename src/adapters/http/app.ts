import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { matchedRoutes } from 'hono/route';
import type { Logger } from '#application/ports/logger.ts';
import type { UseCases } from '#application/use-cases.ts';
import type { Scope } from '../system/scope.ts';
import { allowedMethodsOf } from './allowed-methods.ts';
import type { AppEnv } from './auth-middleware.ts';
import { corsFor } from './cors.ts';
import { errorHandler } from './error-handler.ts';
import type { HealthCheck } from './health-check.ts';
import { problem } from './problem.ts';
import { stampResponse } from './response-headers.ts';
import { appRoutes } from './routes/app.routes.ts';
import { authRoutes } from './routes/auth.routes.ts';
import { billingRoutes } from './routes/billing.routes.ts';
import { chatroomRoutes } from './routes/chatroom.routes.ts';
import { docsRoutes } from './routes/docs.routes.ts';
import { messageRoutes } from './routes/message.routes.ts';
import { type MetricsExposition, metricsRoutes } from './routes/metrics.routes.ts';
import { opsRoutes } from './routes/ops.routes.ts';
import { documentBearerScheme } from './secured-route.ts';

export const BODY_LIMIT_BYTES = 64 * 1024;
/** Stripe events can outgrow the API's limit (large invoices); they are signed, so a larger cap is safe. */
export const WEBHOOK_BODY_LIMIT_BYTES = 1024 * 1024;

export interface HttpAppOptions {
  useCases: UseCases;
  healthChecks: HealthCheck[];
  log: Logger;
  /** Runs each request in its own unit of work (e.g. an EntityManager fork). */
  scope?: Scope;
  /** Extra routes mounted at the root (the offline checkout pages). */
  extraRoutes?: Hono;
  /** Browser origins allowed to call the API (exact matches); none: no CORS. */
  corsOrigins?: readonly string[];
  /** Records every request and serves GET /metrics; none: neither. */
  metrics?: HttpMetrics;
  /** The bearer token GET /metrics requires; none: it is open. */
  metricsToken?: string | undefined;
}

/** The metrics adapter as the HTTP adapter uses it. */
export interface HttpMetrics extends MetricsExposition {
  requestServed(request: { method: string; route: string; status: number; seconds: number }): void;
}

const RAW_BODY = ['/webhook/', '/checkout/local/'];

/**
 * 413 with `Connection: close`: the rest of the body is left unread, so the connection cannot carry another
 * request; the client is told to open a new one instead of sending its next request into a closing socket.
 */
function tooLarge(c: Context, detail: string): Response {
  c.header('Connection', 'close');
  return problem(c, 'PAYLOAD_TOO_LARGE', detail);
}
const BODILESS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);
const API_TOO_LARGE = 'The body is larger than 64 KiB';
const RAW_TOO_LARGE = 'The body is larger than 1 MiB';
const JSON_MEDIA = /^application\/(?:[\w.+-]+\+)?json\s*(?:;.*)?$/i;

export function createHttpApp(options: HttpAppOptions): OpenAPIHono<AppEnv> {
  const { useCases, log } = options;
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (result.success) return;
      const errors = result.error.issues.map((issue) => ({
        path: issue.path.join('.') || '(body)',
        message: issue.message,
      }));
      return problem(c, 'VALIDATION_FAILED', 'The request does not match the expected shape', { errors });
    },
  });

  // One middleware around everything else: the request's id and headers, its unit of work, its log line and metric.
  const { scope } = options;
  app.use(async (c, next) => {
    const started = performance.now();
    stampResponse(c);
    await (scope ? scope(next) : next());
    const ms = performance.now() - started;
    const { method, path } = c.req;
    const { status } = c.res;
    log.info({ reqId: c.get('requestId'), method, path, status, ms: Math.round(ms * 10) / 10 }, 'request');
    options.metrics?.requestServed({ method, route: routePattern(c), status, seconds: ms / 1000 });
  });
  // Before the routes and their authentication: a preflight carries no token.
  if (options.corsOrigins?.length) app.use(corsFor(options.corsOrigins));
  const apiBodyLimit = bodyLimit({
    maxSize: BODY_LIMIT_BYTES,
    onError: (c) => tooLarge(c, API_TOO_LARGE),
  });
  const rawBodyLimit = bodyLimit({
    maxSize: WEBHOOK_BODY_LIMIT_BYTES,
    onError: (c) => tooLarge(c, RAW_TOO_LARGE),
  });
  // Size and media type are checked before any route, so 413 and 415 come before authentication.
  app.use(async (c, next) => {
    const raw = RAW_BODY.some((prefix) => c.req.path.startsWith(prefix));
    const declared = c.req.header('Content-Length');
    const chunked = c.req.header('Transfer-Encoding') !== undefined;
    const hasBody = Number(declared ?? 0) > 0 || chunked;
    if (!raw && hasBody && !JSON_MEDIA.test(c.req.header('Content-Type') ?? '')) {
      return problem(c, 'UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json');
    }
    // A length Node's parser has checked is compared here, as Hono's bodyLimit would: asking it would build a web
    // Request around the body, which the handler would then read through a stream instead of from Node's request.
    if (declared !== undefined && !chunked) {
      if (Number(declared) <= (raw ? WEBHOOK_BODY_LIMIT_BYTES : BODY_LIMIT_BYTES)) return next();
      return tooLarge(c, raw ? RAW_TOO_LARGE : API_TOO_LARGE);
    }
    // A read without a body has nothing to limit; a body of unknown length is counted by bodyLimit as it is read.
    if (!hasBody && BODILESS.has(c.req.method)) return next();
    return raw ? rawBodyLimit(c, next) : apiBodyLimit(c, next);
  });

  authRoutes(app, useCases);
  chatroomRoutes(app, useCases);
  messageRoutes(app, useCases);
  billingRoutes(app, useCases);
  opsRoutes(app, options.healthChecks, log);
  if (options.metrics) metricsRoutes(app, options.metrics, options.metricsToken);
  if (options.extraRoutes) app.route('/', options.extraRoutes);

  documentBearerScheme(app);
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Gemini-style chat API',
      version: '1.0.0',
      description:
        'OTP sign-in, chatrooms answered by a language model through a queue, daily quotas, Stripe Pro tier.',
    },
  });
  docsRoutes(app);
  appRoutes(app);

  let allowedMethods: ((path: string) => string[]) | undefined;
  app.notFound((c) => {
    allowedMethods ??= allowedMethodsOf(app.routes);
    const allowed = allowedMethods(c.req.path);
    if (allowed.length > 0 && !allowed.includes(c.req.method)) {
      c.header('Allow', allowed.join(', '));
      return problem(c, 'METHOD_NOT_ALLOWED', `${c.req.method} is not allowed on ${c.req.path}`);
    }
    return problem(c, 'NOT_FOUND', `No route for ${c.req.method} ${c.req.path}`);
  });
  app.onError(errorHandler(log));
  return app;
}

/** The pattern of the route that answered (`/chatroom/:id`); `unmatched` when none did (404, 405, a preflight). */
function routePattern(c: Context): string {
  return matchedRoutes(c).findLast((route) => route.method !== 'ALL')?.path ?? 'unmatched';
}
