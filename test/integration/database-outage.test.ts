import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aSubscriptionUpdated, signStripeEvent } from '#adapters/payments/stripe-events.ts';
import { PinoLogger } from '#adapters/system/pino-logger.ts';
import { loadConfig } from '#bootstrap/config.ts';
import { createRuntime } from '#bootstrap/runtime.ts';
import { type PostgresServer, startPostgresServer } from '#test/support/postgres-server.ts';
import { call, freePort, ServiceProcess } from '#test/support/server-process.ts';

const WEBHOOK_SECRET = 'whsec_database_outage_test';
const PASSWORD = 'correct horse battery';
/** The routes that answer without the database, in the order of the calls below. */
const NO_DATABASE = [
  'GET /healthz',
  'GET /',
  'GET /openapi.json',
  'GET /docs',
  'GET /docs/init.js',
  'GET /docs/assets/:version/:file',
  'GET /app',
  'GET /app/assets/:version/:file',
  'GET /metrics',
  'GET /checkout/local/:sessionId',
  'GET /checkout/local/portal/:customerId',
  'GET /checkout/success',
  'GET /checkout/cancel',
  'GET /checkout/return',
];

/** One request with valid input; `json` bodies are sent as JSON, `raw` ones as they are. */
interface Call {
  method: string;
  path: string;
  token?: string;
  json?: unknown;
  raw?: { body: string; headers: Record<string, string> };
}

interface Answered {
  status: number;
  headers: Headers;
  text: string;
}

async function send(baseUrl: string, request: Call): Promise<Answered> {
  const headers: Record<string, string> = { ...request.raw?.headers };
  if (request.token) headers.authorization = `Bearer ${request.token}`;
  if (request.json !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${request.path}`, {
    method: request.method,
    headers,
    body: request.raw?.body ?? (request.json === undefined ? undefined : JSON.stringify(request.json)),
    redirect: 'manual',
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

function aMobile(): string {
  return `+9197${String(randomBytes(4).readUInt32BE(0) % 100_000_000).padStart(8, '0')}`;
}

/** Every route of the app, as Hono lists them (`METHOD /path/:param`). */
async function routesOfTheApp(): Promise<string[]> {
  const runtime = await createRuntime(
    loadConfig({ DATABASE_URL: 'memory', LOG_LEVEL: 'silent', NODE_ENV: 'test' }),
    new PinoLogger('silent'),
  );
  try {
    const routes = runtime.app.routes.filter((route) => route.method !== 'ALL');
    return [...new Set(routes.map((route) => `${route.method} ${route.path}`))].sort();
  } finally {
    await runtime.close();
  }
}

/**
 * The service on a PostgreSQL cluster of this test's own, which the test stops: every route answers 503 (or, when
 * it needs no database, its usual answer), never 500; once the database is back every route works again, with
 * no restart of the service.
 */
describe('every route while PostgreSQL is down', () => {
  let postgres: PostgresServer;
  let service: ServiceProcess;
  let calls: Record<string, () => Call>;

  async function signedIn(options: { password?: string } = {}) {
    const mobile = aMobile();
    const base = service.baseUrl;
    expect((await call(base, 'POST', '/auth/signup', { body: { mobile, ...options } })).status).toBe(201);
    const issued = await call(base, 'POST', '/auth/send-otp', { body: { mobile } });
    const session = await call(base, 'POST', '/auth/verify-otp', { body: { mobile, otp: issued.body.otp } });
    return { mobile, token: session.body.token as string, userId: session.body.user.id as string };
  }

  beforeAll(async () => {
    postgres = await startPostgresServer();
    service = new ServiceProcess(
      {
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        DATABASE_URL: postgres.url,
        JWT_SECRET: randomBytes(32).toString('hex'),
        STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
        OTP_DELIVERY: 'response',
        OFFLINE_MODEL_WORD_MS: '0',
        RECONCILE_INTERVAL_MS: '200',
      },
      await freePort(),
    );
    await service.started(true);
    const base = service.baseUrl;
    const docsPage = await (await fetch(`${base}/docs`)).text();
    const swaggerAsset = /(\/docs\/assets\/[^"']+\.css)/.exec(docsPage)?.[1] ?? '';
    expect(swaggerAsset).not.toBe('');
    const appPage = await (await fetch(`${service.baseUrl}/app`)).text();
    const appAsset = /(\/app\/assets\/[^"']+\.css)/.exec(appPage)?.[1] ?? '';
    expect(appAsset).not.toBe('');

    const owner = await signedIn({ password: PASSWORD });
    const passwordless = await signedIn();
    const verifying = { mobile: aMobile() };
    await call(base, 'POST', '/auth/signup', { body: verifying });
    const code = (await call(base, 'POST', '/auth/send-otp', { body: verifying })).body.otp as string;
    const forgetful = await signedIn({ password: PASSWORD });
    const payer = await signedIn();
    const token = owner.token;
    const room = (await call(base, 'POST', '/chatroom', { token, body: { title: 'Outage' } })).body
      .id as string;
    const doomed = (await call(base, 'POST', '/chatroom', { token, body: { title: 'Doomed' } })).body.id;
    const sent = await call(base, 'POST', `/chatroom/${room}/message`, { token, body: { content: 'Hello' } });
    expect(sent.status).toBe(201);
    const reply = sent.body.reply.id as string;
    const checkout = await call(base, 'POST', '/subscribe/pro', { token: payer.token });
    const session = checkout.body.sessionId as string;
    const portal = await call(base, 'POST', '/subscription/portal', { token: payer.token });
    const customer = decodeURIComponent(new URL(portal.body.url).pathname.split('/').pop()!);
    const signedEvent = () => {
      const event = aSubscriptionUpdated({ userId: owner.userId, status: 'active' });
      const { rawBody, signature } = signStripeEvent(event, WEBHOOK_SECRET);
      return {
        body: rawBody,
        headers: { 'stripe-signature': signature, 'content-type': 'application/json' },
      };
    };

    // In the order they are called: a call that consumes or revokes something comes after those that need it.
    calls = {
      'GET /healthz': () => ({ method: 'GET', path: '/healthz' }),
      'GET /readyz': () => ({ method: 'GET', path: '/readyz' }),
      'GET /': () => ({ method: 'GET', path: '/' }),
      'GET /openapi.json': () => ({ method: 'GET', path: '/openapi.json' }),
      'GET /docs': () => ({ method: 'GET', path: '/docs' }),
      'GET /docs/init.js': () => ({ method: 'GET', path: '/docs/init.js' }),
      'GET /docs/assets/:version/:file': () => ({ method: 'GET', path: swaggerAsset }),
      'GET /app': () => ({ method: 'GET', path: '/app' }),
      'GET /app/assets/:version/:file': () => ({ method: 'GET', path: appAsset }),
      'GET /metrics': () => ({ method: 'GET', path: '/metrics' }),
      'POST /auth/signup': () => ({ method: 'POST', path: '/auth/signup', json: { mobile: aMobile() } }),
      'POST /auth/verify-otp': () => ({
        method: 'POST',
        path: '/auth/verify-otp',
        json: { mobile: verifying.mobile, otp: code },
      }),
      'POST /auth/send-otp': () => ({
        method: 'POST',
        path: '/auth/send-otp',
        json: { mobile: owner.mobile },
      }),
      'POST /auth/forgot-password': () => ({
        method: 'POST',
        path: '/auth/forgot-password',
        json: { mobile: forgetful.mobile },
      }),
      'POST /auth/login': () => ({
        method: 'POST',
        path: '/auth/login',
        json: { mobile: forgetful.mobile, password: PASSWORD },
      }),
      'GET /user/me': () => ({ method: 'GET', path: '/user/me', token }),
      'POST /chatroom': () => ({ method: 'POST', path: '/chatroom', token, json: { title: 'New' } }),
      'GET /chatroom': () => ({ method: 'GET', path: '/chatroom', token }),
      'GET /chatroom/:id': () => ({ method: 'GET', path: `/chatroom/${room}`, token }),
      'PATCH /chatroom/:id': () => ({
        method: 'PATCH',
        path: `/chatroom/${room}`,
        token,
        json: { title: 'Up' },
      }),
      'GET /chatroom/:id/messages': () => ({ method: 'GET', path: `/chatroom/${room}/messages`, token }),
      'GET /chatroom/:id/messages/:messageId': () => ({
        method: 'GET',
        path: `/chatroom/${room}/messages/${reply}`,
        token,
      }),
      'POST /chatroom/:id/message': () => ({
        method: 'POST',
        path: `/chatroom/${room}/message`,
        token,
        json: { content: 'Are you there?' },
      }),
      'GET /chatroom/:id/messages/:messageId/stream': () => ({
        method: 'GET',
        path: `/chatroom/${room}/messages/${reply}/stream`,
        token,
      }),
      'POST /chatroom/:id/messages/:messageId/stop': () => ({
        method: 'POST',
        path: `/chatroom/${room}/messages/${reply}/stop`,
        token,
      }),
      'GET /subscription/status': () => ({ method: 'GET', path: '/subscription/status', token }),
      'POST /subscribe/pro': () => ({ method: 'POST', path: '/subscribe/pro', token: payer.token }),
      'POST /subscription/portal': () => ({
        method: 'POST',
        path: '/subscription/portal',
        token: payer.token,
      }),
      'GET /checkout/local/:sessionId': () => ({ method: 'GET', path: `/checkout/local/${session}` }),
      'POST /checkout/local/:sessionId/complete': () => ({
        method: 'POST',
        path: `/checkout/local/${session}/complete`,
      }),
      'GET /checkout/local/portal/:customerId': () => ({
        method: 'GET',
        path: `/checkout/local/portal/${customer}`,
      }),
      'POST /checkout/local/portal/:customerId/cancel': () => ({
        method: 'POST',
        path: `/checkout/local/portal/${customer}/cancel`,
      }),
      'GET /checkout/success': () => ({ method: 'GET', path: '/checkout/success' }),
      'GET /checkout/cancel': () => ({ method: 'GET', path: '/checkout/cancel' }),
      'GET /checkout/return': () => ({ method: 'GET', path: '/checkout/return' }),
      'POST /webhook/stripe': () => ({ method: 'POST', path: '/webhook/stripe', raw: signedEvent() }),
      'POST /auth/change-password': () => ({
        method: 'POST',
        path: '/auth/change-password',
        token: passwordless.token,
        json: { newPassword: PASSWORD },
      }),
      'DELETE /chatroom/:id': () => ({ method: 'DELETE', path: `/chatroom/${doomed}`, token }),
    };
  }, 120_000);

  afterAll(async () => {
    await service?.stop('SIGKILL');
    await postgres?.destroy();
  });

  it('has a valid call for every route of the app', async () => {
    expect(Object.keys(calls).sort()).toEqual(await routesOfTheApp());
  });

  it('answers 503 NOT_READY with Retry-After, never 500, and works again once PostgreSQL is back', async () => {
    await postgres.stop();
    const down: Record<string, number> = {};
    for (const [route, request] of Object.entries(calls)) {
      const answer = await send(service.baseUrl, request());
      down[route] = answer.status;
      if (answer.status === 503) {
        expect(JSON.parse(answer.text), route).toMatchObject({ code: 'NOT_READY' });
        if (route !== 'GET /readyz') expect(answer.headers.get('retry-after'), route).toBe('2');
      }
    }
    const failing = Object.entries(down).filter(([, status]) => status >= 500 && status !== 503);
    expect(failing).toEqual([]);
    // Those that need the database said so; the others (docs, health, the offline checkout pages) answered.
    expect(Object.keys(down).filter((route) => down[route] !== 503)).toEqual(NO_DATABASE);
    expect(service.output).not.toContain('unhandled error');
    // The reconciler (every 200 ms) meets the outage too: its warning, written at once, before PostgreSQL returns
    // (the calls above can take less than one of its intervals).
    await service.logLine((line) => line.task === 'reconcile replies' && line.level === 40, 15_000);

    await postgres.start();
    const deadline = Date.now() + 15_000;
    while ((await send(service.baseUrl, calls['GET /readyz']!())).status !== 200) {
      expect(Date.now()).toBeLessThan(deadline);
      await sleep(100);
    }
    const up: Record<string, number> = {};
    for (const [route, request] of Object.entries(calls))
      up[route] = (await send(service.baseUrl, request())).status;
    expect(Object.entries(up).filter(([, status]) => status >= 400)).toEqual([]);

    // The reconciler ran through the outage: one warning when it began, one line when it ended.
    // Info lines are written in batches (at most 100 ms late): wait for the one that says it ended.
    await service.logLine((line) => line.task === 'reconcile replies' && line.level === 30, 15_000);
    const reconciler = service.logLines().filter((line) => line.task === 'reconcile replies');
    expect(reconciler.map((line) => line.level)).toEqual([40, 30]);
  }, 60_000);
});
