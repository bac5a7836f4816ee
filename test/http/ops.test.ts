import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp } from '#adapters/http/app.ts';
import { startTestApp, type TestApp } from '#test/support/http.ts';
import { SilentLogger } from '#test/support/silent-logger.ts';
import { expectProblem } from './helpers.ts';

/** Every JSON call of docs/api.md, as OpenAPI paths. */
const CONTRACT: [string, string][] = [
  ['post', '/auth/signup'],
  ['post', '/auth/send-otp'],
  ['post', '/auth/verify-otp'],
  ['post', '/auth/forgot-password'],
  ['post', '/auth/change-password'],
  ['post', '/auth/login'],
  ['get', '/user/me'],
  ['post', '/chatroom'],
  ['get', '/chatroom'],
  ['get', '/chatroom/{id}'],
  ['patch', '/chatroom/{id}'],
  ['delete', '/chatroom/{id}'],
  ['get', '/chatroom/{id}/messages'],
  ['get', '/chatroom/{id}/messages/{messageId}'],
  ['post', '/chatroom/{id}/message'],
  ['post', '/subscribe/pro'],
  ['get', '/subscription/status'],
  ['post', '/subscription/portal'],
  ['post', '/webhook/stripe'],
  ['get', '/healthz'],
  ['get', '/readyz'],
];

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

describe('health', () => {
  it('GET /healthz answers 200 { status: "ok" }', async () => {
    const response = await app.client.get('/healthz');

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('GET /readyz answers 200 when the (in-memory) database answers', async () => {
    const response = await app.client.get('/readyz');

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'ready', checks: { database: 'ok' } });
  });

  it('GET /readyz answers a 503 NOT_READY problem when a dependency does not answer', async () => {
    const unready = createHttpApp({
      useCases: app.runtime.useCases,
      healthChecks: [
        { name: 'database', check: async () => {} },
        {
          name: 'redis',
          check: async () => {
            throw new Error('connection refused');
          },
        },
      ],
      log: new SilentLogger(),
    });

    const response = await unready.request('/readyz');

    expect(response.status).toBe(503);
    expect(response.headers.get('Content-Type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({
      status: 503,
      code: 'NOT_READY',
      detail: expect.stringContaining('redis'),
    });
  });
});

describe('documentation', () => {
  it('GET /openapi.json is an OpenAPI 3.1 document listing every call of the contract', async () => {
    const response = await app.client.get('/openapi.json');

    expect(response.status).toBe(200);
    expect(response.body.openapi).toMatch(/^3\.1\./);
    const paths = response.body.paths as Record<string, Record<string, unknown>>;
    const missing = CONTRACT.filter(([method, path]) => !paths[path]?.[method]).map((call) => call.join(' '));
    expect(missing).toEqual([]);
  });

  it('documents the statuses a client must handle on sending a message', async () => {
    const { paths, components } = (await app.client.get('/openapi.json')).body;
    const send = paths['/chatroom/{id}/message'].post;

    expect(Object.keys(send.responses)).toEqual(
      expect.arrayContaining(['201', '202', '400', '401', '404', '429', '502']),
    );
    expect(send.responses['429'].content['application/problem+json']).toBeDefined();
    expect(send.security).toEqual([{ Bearer: [] }]);
    expect(components.securitySchemes.Bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('answers an unknown path as a problem, not HTML', async () => {
    expectProblem(await app.client.get('/docs/nothing-here'), 404, 'NOT_FOUND');
  });
});
