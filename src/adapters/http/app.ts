import type { IncomingMessage } from 'node:http';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { matchedRoutes } from 'hono/route';
import type { Logger } from '#application/ports/logger.ts';
import type { UseCases } from '#application/use-cases.ts';
import type { RequestLine } from '../system/pino-logger.ts';
import type { Scope } from '../system/scope.ts';
import { allowedMethodsOf } from './allowed-methods.ts';
import type { AppEnv } from './auth-middleware.ts';
import { corsFor } from './cors.ts';
import { errorHandler } from './error-handler.ts';
import type { HealthCheck } from './health-check.ts';
import { SHAPE_MISMATCH, shapeErrors } from './openapi.ts';
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
  /** Writes each request's line; none: `log.info(line, 'request')`. */
  requestLog?: (line: RequestLine) => void;
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

/** A refused body up to this size is read and dropped before the 413 goes out (see tooLarge); a larger one is not. */
const DRAIN_MAX_BYTES = 8 * 1024 * 1024;
/** How long the rest of a refused body may take to arrive. */
const DRAIN_MAX_MS = 2000;

/**
 * 413 with `Connection: close`: the client is told to open a new connection instead of sending its next request
 * into a closing one. Before answering, the rest of the body (up to DRAIN_MAX_BYTES, for DRAIN_MAX_MS) is read and
 * dropped: a socket closed with bytes it never read sends a TCP reset, which can discard the 413 before the client
 * has read it (the client then sees "connection reset" instead of the answer; measured: 5 of 12 runs of
 * test/integration/body-limit-connection.test.ts lost the answer that way).
 */
async function tooLarge(c: Context, detail: string): Promise<Response> {
  await drainBody(c);
  c.header('Connection', 'close');
  return problem(c, 'PAYLOAD_TOO_LARGE', detail);
}

/** Reads and drops what is left of the request body, within DRAIN_MAX_BYTES and DRAIN_MAX_MS (Node's server only). */
async function drainBody(c: Context): Promise<void> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming || incoming.readableEnded || incoming.destroyed) return;
  const declared = Number(c.req.header('Content-Length') ?? 0);
  if (declared > DRAIN_MAX_BYTES) return;
  await new Promise<void>((resolve) => {
    let read = 0;
    const done = () => {
      clearTimeout(timer);
      incoming.off('data', onData);
      incoming.off('end', done);
      incoming.off('close', done);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      read += chunk.length;
      if (read > DRAIN_MAX_BYTES) done();
    };
    const timer = setTimeout(done, DRAIN_MAX_MS);
    incoming.on('data', onData);
    incoming.once('end', done);
    incoming.once('close', done);
    incoming.resume();
  });
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
      return problem(c, 'VALIDATION_FAILED', SHAPE_MISMATCH, { errors: shapeErrors(result.error.issues) });
    },
  });

  // One middleware around everything else: the request's id and headers, its unit of work, its log line and metric.
  const { scope } = options;
  const requestLog = options.requestLog ?? ((line: RequestLine) => log.info({ ...line }, 'request'));
  app.use(async (c, next) => {
    const started = performance.now();
    stampResponse(c);
    await (scope ? scope(next) : next());
    const ms = performance.now() - started;
    const { method, path } = c.req;
    const { status } = c.res;
    requestLog({ reqId: c.get('requestId'), method, path, status, ms: Math.round(ms * 10) / 10 });
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
