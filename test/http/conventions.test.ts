import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaymentGateway } from '#application/ports/payment-gateway.ts';
import { TOKENS } from '#bootstrap/tokens.ts';
import { freshMobile, replace, signedInUser, startTestApp, type TestApp } from '#test/support/http.ts';
import { aUuid, expectInvalidField, expectProblem, expectUnauthorized } from './helpers.ts';

const KIB = 1024;

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

/** Sends a body as a stream, so no Content-Length tells its size up front. */
function postStream(path: string, chunks: number, chunkSize: number, headers: Record<string, string>) {
  const chunk = new TextEncoder().encode('x'.repeat(chunkSize));
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let sent = 0; sent < chunks; sent++) controller.enqueue(chunk);
      controller.close();
    },
  });
  return app.runtime.app.request(path, { method: 'POST', body, headers, duplex: 'half' } as RequestInit);
}

describe('problem details', () => {
  it('answers errors as application/problem+json with type, title, status, detail and code', async () => {
    const response = await app.client.post('/auth/send-otp', { mobile: freshMobile() });

    const body = expectProblem(response, 404, 'USER_NOT_FOUND');
    expect(body.type).toMatch(/\S/);
    expect(body.title).toMatch(/\S/);
    expect(body.detail).toMatch(/\S/);
  });

  it('lists field problems with their path for VALIDATION_FAILED', async () => {
    const response = await app.client.post('/auth/signup', { mobile: 'call me maybe', password: 'short' });

    const body = expectProblem(response, 400, 'VALIDATION_FAILED');
    expect(body.errors.length).toBeGreaterThan(0);
    for (const error of body.errors)
      expect(error).toEqual({ path: expect.any(String), message: expect.any(String) });
    expect(body.errors.map((error: { path: string }) => error.path)).toContain('password');
  });

  it('names a missing required field', async () => {
    expectInvalidField(await app.client.post('/auth/signup', { name: 'Asha' }), 'mobile');
  });

  it('answers an unknown route with a 404 problem', async () => {
    const response = await app.client.get('/no/such/route');

    expectProblem(response, 404, 'NOT_FOUND');
  });
});

describe('request bodies', () => {
  it('answers malformed JSON with 400 MALFORMED_JSON, not 500', async () => {
    const response = await app.client.post('/auth/signup', undefined, {
      raw: '{"mobile": "+919876543210",',
      headers: { 'Content-Type': 'application/json' },
    });

    expectProblem(response, 400, 'MALFORMED_JSON');
  });

  it('answers an empty body sent as JSON with 400 MALFORMED_JSON', async () => {
    const response = await app.client.post('/auth/send-otp', undefined, {
      raw: '',
      headers: { 'Content-Type': 'application/json' },
    });

    expectProblem(response, 400, 'MALFORMED_JSON');
  });

  it('answers a body sent as another media type with 415', async () => {
    const form = 'mobile=%2B919876543210';
    const withLength = await app.client.post('/auth/signup', undefined, {
      raw: form,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': String(form.length) },
    });
    const withoutLength = await app.client.post('/auth/signup', undefined, {
      raw: form,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    const withoutType = await app.client.post('/auth/signup', undefined, {
      raw: '{"mobile":"+919876543210"}',
    });

    expectProblem(withLength, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectProblem(withoutLength, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectProblem(withoutType, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers 415 for a wrongly typed body on a route whose body is optional', async () => {
    const { token } = await signedInUser(app.client);

    const response = await app.client.post('/chatroom', undefined, {
      token,
      raw: 'Ideas',
      headers: { 'Content-Type': 'text/plain' },
    });

    expectProblem(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('accepts JSON with a charset parameter', async () => {
    const response = await app.client.post('/auth/signup', undefined, {
      raw: JSON.stringify({ mobile: freshMobile() }),
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
    });

    expect(response.status).toBe(201);
  });

  it('refuses a body over 64 KiB with 413', async () => {
    const body = JSON.stringify({ mobile: freshMobile(), name: 'x'.repeat(65 * KIB) });

    const response = await app.client.post('/auth/signup', undefined, {
      raw: body,
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) },
    });

    expectProblem(response, 413, 'PAYLOAD_TOO_LARGE');
  });

  /** A JSON body of exactly `size` bytes: `{"name":"xx…"}`. */
  const bodyOf = (size: number) => `{"name":"${'x'.repeat(size - '{"name":""}'.length)}"}`;

  it.each([
    ['exactly 64 KiB', 64 * KIB, 400, 'VALIDATION_FAILED'],
    ['one byte over 64 KiB', 64 * KIB + 1, 413, 'PAYLOAD_TOO_LARGE'],
  ])('takes a body announced by Content-Length up to the limit: %s', async (_, size, status, code) => {
    const body = bodyOf(size);
    expect(Buffer.byteLength(body)).toBe(size);

    const response = await app.client.post('/auth/signup', undefined, {
      raw: body,
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(size) },
    });

    // 400: the body got through the limit and was read (it names no mobile number).
    expectProblem(response, status, code);
  });

  it.each([
    ['exactly 1 MiB', 1024 * KIB, 400, 'INVALID_SIGNATURE'],
    ['one byte over 1 MiB', 1024 * KIB + 1, 413, 'PAYLOAD_TOO_LARGE'],
  ])('takes a Stripe event announced by Content-Length up to 1 MiB: %s', async (_, size, status, code) => {
    const response = await app.client.post('/webhook/stripe', undefined, {
      raw: bodyOf(size),
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(size) },
    });

    // 400: the event got through the limit and its (missing) signature was checked.
    expectProblem(response, status, code);
  });

  it('refuses a streamed body over 64 KiB without Content-Length with 413', async () => {
    const response = await postStream('/auth/signup', 17, 4 * KIB, { 'Content-Type': 'application/json' });

    expect(response.status).toBe(413);
    expect(response.headers.get('Content-Type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('reads a streamed body under the limit normally', async () => {
    const response = await postStream('/auth/signup', 1, 10, { 'Content-Type': 'application/json' });

    // 'xxxxxxxxxx' is not JSON: the body got through the limit and was parsed.
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'MALFORMED_JSON' });
  });

  it('ignores unknown fields: a client cannot set server-owned fields', async () => {
    const chosenId = '01900000-0000-7000-8000-000000000001';
    const signup = await app.client.post('/auth/signup', {
      mobile: freshMobile(),
      id: chosenId,
      tier: 'pro',
      hasPassword: true,
      createdAt: '2000-01-01T00:00:00.000Z',
      role: 'admin',
    });

    expect(signup.status).toBe(201);
    expect(signup.body.user).toMatchObject({ tier: 'basic', hasPassword: false });
    expect(signup.body.user.id).not.toBe(chosenId);
    expect(signup.body.user.createdAt).not.toBe('2000-01-01T00:00:00.000Z');
    expect(signup.body.user).not.toHaveProperty('role');

    const { token, user } = await signedInUser(app.client);
    const chatroom = await app.client.post(
      '/chatroom',
      { title: 'Mine', id: chosenId, ownerId: signup.body.user.id, createdAt: '2000-01-01T00:00:00.000Z' },
      { token },
    );
    expect(chatroom.status).toBe(201);
    expect(chatroom.body.id).not.toBe(chosenId);
    expect(chatroom.body.createdAt).not.toBe('2000-01-01T00:00:00.000Z');
    const me = await app.client.get('/user/me', { token });
    expect(me.body.user.tier).toBe('basic');
    expect(me.body.user.id).toBe(user.id);
  });

  it('refuses a NUL character in any text field with 400', async () => {
    const { token } = await signedInUser(app.client);
    const room = await app.client.post('/chatroom', { title: 'Fine' }, { token });

    expectInvalidField(
      await app.client.post('/auth/signup', { mobile: freshMobile(), name: 'As\u0000ha' }),
      'name',
    );
    expectInvalidField(
      await app.client.post('/auth/signup', { mobile: freshMobile(), password: 'pass\u0000word1' }),
      'password',
    );
    expectInvalidField(await app.client.post('/chatroom', { title: 'a\u0000b' }, { token }), 'title');
    expectInvalidField(
      await app.client.patch(`/chatroom/${room.body.id}`, { title: '\u0000' }, { token }),
      'title',
    );
    expectInvalidField(
      await app.client.post(`/chatroom/${room.body.id}/message`, { content: 'hi\u0000there' }, { token }),
      'content',
    );
  });
});

describe('ids in paths', () => {
  it('answers 404 for a path id that is not a UUID', async () => {
    const { token } = await signedInUser(app.client);
    const room = await app.client.post('/chatroom', {}, { token });

    for (const response of [
      await app.client.get('/chatroom/not-a-uuid', { token }),
      await app.client.patch('/chatroom/not-a-uuid', { title: 'x' }, { token }),
      await app.client.delete('/chatroom/123', { token }),
      await app.client.get('/chatroom/not-a-uuid/messages', { token }),
      await app.client.post('/chatroom/not-a-uuid/message', { content: 'hi' }, { token }),
      await app.client.get(`/chatroom/${room.body.id}/messages/not-a-uuid`, { token }),
    ]) {
      expectProblem(response, 404, 'NOT_FOUND');
    }
  });

  it("answers 404 for another user's chatroom", async () => {
    const owner = await signedInUser(app.client);
    const stranger = await signedInUser(app.client);
    const room = await app.client.post('/chatroom', { title: 'Private' }, { token: owner.token });

    expectProblem(
      await app.client.get(`/chatroom/${room.body.id}`, { token: stranger.token }),
      404,
      'NOT_FOUND',
    );
  });
});

describe('headers on every response', () => {
  it('generates an X-Request-Id when none is given', async () => {
    const first = await app.client.get('/healthz');
    const second = await app.client.get('/healthz');

    expect(first.headers.get('X-Request-Id')).toMatch(/\S{8,}/);
    expect(second.headers.get('X-Request-Id')).not.toBe(first.headers.get('X-Request-Id'));
  });

  it('echoes the X-Request-Id it was given, on errors too', async () => {
    const ok = await app.client.get('/healthz', { headers: { 'X-Request-Id': 'client-trace-0042' } });
    const refused = await app.client.get('/user/me', { headers: { 'X-Request-Id': 'client-trace-0043' } });

    expect(ok.headers.get('X-Request-Id')).toBe('client-trace-0042');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('X-Request-Id')).toBe('client-trace-0043');
  });

  it('sends the usual security headers on successes and problems', async () => {
    for (const response of [
      await app.client.get('/healthz'),
      await app.client.get('/nowhere'),
      await app.client.post('/auth/login', { mobile: 'x' }),
    ]) {
      expect(response.headers.get('X-Content-Type-Options')).toBe('nosniff');
      expect(response.headers.get('X-Frame-Options')).toBeTruthy();
      expect(response.headers.get('Referrer-Policy')).toBeTruthy();
      expect(response.headers.get('X-Request-Id')).toBeTruthy();
    }
  });

  it('answers a protected route without a token with 401 before anything else', async () => {
    expectUnauthorized(await app.client.get('/chatroom'));
  });
});

describe('internal errors', () => {
  it('answers 500 INTERNAL without the internal message or a stack trace', async () => {
    const secret = 'connect ECONNREFUSED 10.1.2.3:5432 password=hunter2';
    const broken: PaymentGateway = {
      createCustomer: async () => {
        throw new Error(secret);
      },
      createCheckoutSession: async () => {
        throw new Error(secret);
      },
      createPortalSession: async () => {
        throw new Error(secret);
      },
    };
    const brokenApp = await startTestApp({ overrides: [replace(TOKENS.PaymentGateway, broken)] });
    try {
      const { token } = await signedInUser(brokenApp.client);

      const response = await brokenApp.client.post('/subscribe/pro', undefined, { token });

      const body = expectProblem(response, 500, 'INTERNAL');
      expect(Object.keys(body).sort()).toEqual(['code', 'detail', 'status', 'title', 'type']);
      const text = JSON.stringify(body);
      for (const leak of ['hunter2', 'ECONNREFUSED', '10.1.2.3', 'Error:', '    at ', '.ts:']) {
        expect(text).not.toContain(leak);
      }
      expect(response.headers.get('X-Request-Id')).toEqual(aUuid);
    } finally {
      await brokenApp.close();
    }
  });
});
