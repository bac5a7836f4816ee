import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '#test/support/http.ts';
import { expectProblem } from './helpers.ts';

const ALLOWED = 'https://app.example.com';
const OTHER = 'https://evil.example.net';

let app: TestApp;
let closed: TestApp;
beforeAll(async () => {
  app = await startTestApp({ env: { CORS_ORIGINS: `${ALLOWED}, http://localhost:5173` } });
  closed = await startTestApp();
});
afterAll(async () => {
  await app.close();
  await closed.close();
});

function preflight(target: TestApp, origin: string, method = 'POST') {
  return target.client.request('OPTIONS', '/chatroom', undefined, {
    headers: {
      Origin: origin,
      'Access-Control-Request-Method': method,
      'Access-Control-Request-Headers': 'authorization, content-type, idempotency-key',
    },
  });
}

function headerList(value: string | null): string[] {
  return (value ?? '').split(',').map((name) => name.trim().toLowerCase());
}

describe('CORS with CORS_ORIGINS set', () => {
  it('answers a preflight from a listed origin with 204, before authentication', async () => {
    const response = await preflight(app, ALLOWED);

    expect(response.status).toBe(204);
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe(ALLOWED);
    expect(headerList(response.headers.get('Access-Control-Allow-Methods'))).toEqual(
      expect.arrayContaining(['get', 'post', 'patch', 'delete']),
    );
    expect(headerList(response.headers.get('Access-Control-Allow-Headers'))).toEqual(
      expect.arrayContaining(['authorization', 'content-type', 'idempotency-key', 'last-event-id', 'prefer']),
    );
  });

  it('lets a listed origin read the headers a client needs, on successes and on problems', async () => {
    const ok = await app.client.get('/healthz', { headers: { Origin: 'http://localhost:5173' } });
    const refused = await app.client.get('/chatroom', { headers: { Origin: ALLOWED } });

    expectProblem(refused, 401, 'UNAUTHORIZED');
    for (const [response, origin] of [
      [ok, 'http://localhost:5173'],
      [refused, ALLOWED],
    ] as const) {
      expect(response.headers.get('Access-Control-Allow-Origin')).toBe(origin);
      expect(headerList(response.headers.get('Access-Control-Expose-Headers'))).toEqual(
        expect.arrayContaining([
          'location',
          'x-request-id',
          'x-cache',
          'ratelimit-limit',
          'ratelimit-remaining',
          'ratelimit-reset',
          'retry-after',
        ]),
      );
      expect(headerList(response.headers.get('Vary'))).toContain('origin');
    }
  });

  it('gives an origin that is not listed no CORS headers, and no preflight', async () => {
    const simple = await app.client.get('/healthz', { headers: { Origin: OTHER } });
    const refusedPreflight = await preflight(app, OTHER);

    expect(simple.status).toBe(200);
    expect(simple.headers.get('Access-Control-Allow-Origin')).toBeNull();
    expect(headerList(simple.headers.get('Vary'))).toContain('origin');
    expect(refusedPreflight.headers.get('Access-Control-Allow-Origin')).toBeNull();
    expect(refusedPreflight.status).not.toBe(204);
  });

  it('matches origins exactly: another scheme or port is another origin', async () => {
    for (const origin of [
      'http://app.example.com',
      'https://app.example.com:8443',
      'http://localhost:5174',
    ]) {
      const response = await app.client.get('/healthz', { headers: { Origin: origin } });
      expect(response.headers.get('Access-Control-Allow-Origin')).toBeNull();
    }
  });
});

describe('CORS without CORS_ORIGINS', () => {
  it('allows no browser origin', async () => {
    const simple = await closed.client.get('/healthz', { headers: { Origin: ALLOWED } });
    const refusedPreflight = await preflight(closed, ALLOWED);

    expect(simple.headers.get('Access-Control-Allow-Origin')).toBeNull();
    expect(refusedPreflight.headers.get('Access-Control-Allow-Origin')).toBeNull();
    expect(refusedPreflight.status).not.toBe(204);
  });
});
