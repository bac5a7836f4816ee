import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedInUser, startTestApp, type TestApp } from '#test/support/http.ts';
import { expectProblem } from './helpers.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

function allowOf(response: { headers: Headers }): string[] {
  return (response.headers.get('Allow') ?? '').split(',').map((method) => method.trim());
}

describe('a known path with a method it does not serve', () => {
  it('answers 405 METHOD_NOT_ALLOWED with Allow listing the methods it serves', async () => {
    const response = await app.client.request('PUT', '/auth/signup', { mobile: '+919876543210' });

    expectProblem(response, 405, 'METHOD_NOT_ALLOWED');
    expect(allowOf(response)).toEqual(['POST']);
  });

  it('lists GET with HEAD, and every method of a path with parameters', async () => {
    const { token } = await signedInUser(app.client);
    const room = await app.client.post('/chatroom', { title: 'Ideas' }, { token });

    const health = await app.client.request('POST', '/healthz');
    const chatroom = await app.client.request('PUT', `/chatroom/${room.body.id}`, { title: 'x' }, { token });

    expectProblem(health, 405, 'METHOD_NOT_ALLOWED');
    expect(allowOf(health).sort()).toEqual(['GET', 'HEAD']);
    expectProblem(chatroom, 405, 'METHOD_NOT_ALLOWED');
    expect(allowOf(chatroom).sort()).toEqual(['DELETE', 'GET', 'HEAD', 'PATCH']);
  });

  it('still answers 404 for a path no route serves', async () => {
    const response = await app.client.request('PUT', '/no/such/path');

    expectProblem(response, 404, 'NOT_FOUND');
    expect(response.headers.get('Allow')).toBeNull();
  });
});

describe('GET /', () => {
  it('leads to the API reference', async () => {
    const response = await app.client.get('/');

    expect(response.status).toBe(302);
    expect(response.headers.get('Location')).toBe('/docs');
  });
});
