import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FakeTwilio,
  TWILIO_ACCOUNT_SID,
  TWILIO_AUTH_TOKEN,
  TWILIO_ERRORS,
  TWILIO_FROM_NUMBER,
  type TwilioFailure,
} from '#test/support/fake-twilio.ts';
import { freshMobile, startTestApp, type TestApp, type TestClient } from '#test/support/http.ts';
import { freePort } from '#test/support/server-process.ts';
import { anIsoTime, expectInvalidField, expectProblem } from '../http/helpers.ts';

const OTP_ROUTES = ['/auth/send-otp', '/auth/forgot-password'] as const;

let fake: FakeTwilio;
let app: TestApp;
let client: TestClient;

function twilioEnv(apiBase: string): Record<string, string> {
  return {
    OTP_DELIVERY: 'twilio',
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    TWILIO_FROM_NUMBER,
    TWILIO_API_BASE: apiBase,
    TWILIO_TIMEOUT_MS: '500',
  };
}

beforeAll(async () => {
  fake = await FakeTwilio.start();
  app = await startTestApp({ env: twilioEnv(fake.apiBase) });
  client = app.client;
});

afterAll(async () => {
  await app?.close();
  await fake?.close();
});

async function registered(): Promise<string> {
  const mobile = freshMobile();
  expect((await client.post('/auth/signup', { mobile })).status).toBe(201);
  return mobile;
}

describe('OTP_DELIVERY=twilio', () => {
  it.each(OTP_ROUTES)(
    '%s texts the code, leaves it out of the body, and the texted code signs in',
    async (path) => {
      const mobile = await registered();

      const sent = await client.post(path, { mobile });

      expect(sent.status).toBe(200);
      expect(sent.body).toEqual({ mobile, expiresAt: anIsoTime, expiresIn: 300 });
      expect(fake.messagesTo(mobile)).toHaveLength(1);
      const session = await client.post('/auth/verify-otp', { mobile, otp: fake.lastCodeTo(mobile) });
      expect(session.status).toBe(200);
      expect(session.body.user.mobile).toBe(mobile);
    },
  );

  it.each(OTP_ROUTES)(
    '%s answers an unknown number exactly like a known one, and texts nobody',
    async (path) => {
      const known = await registered();
      const unknown = freshMobile();

      const [toKnown, toUnknown] = [
        await client.post(path, { mobile: known }),
        await client.post(path, { mobile: unknown }),
      ];

      expect(toUnknown.status).toBe(toKnown.status);
      expect(Object.keys(toUnknown.body).sort()).toEqual(Object.keys(toKnown.body).sort());
      expect(toUnknown.body).toEqual({ mobile: unknown, expiresAt: anIsoTime, expiresIn: 300 });
      expect(fake.requests.filter((request) => request.to === unknown)).toEqual([]);
    },
  );

  it('throttles an unknown number like a known one: the 6th request in an hour gets 429', async () => {
    const unknown = freshMobile();
    for (let sent = 0; sent < 5; sent++)
      expect((await client.post('/auth/send-otp', { mobile: unknown })).status).toBe(200);

    const sixth = await client.post('/auth/forgot-password', { mobile: unknown });

    expectProblem(sixth, 429, 'TOO_MANY_REQUESTS');
    expect(Number(sixth.headers.get('Retry-After'))).toBeGreaterThan(0);
  });

  it.each<[string, TwilioFailure]>([
    ['an unverified number (trial account)', TWILIO_ERRORS.unverifiedNumber],
    ['a rate limit', TWILIO_ERRORS.rateLimited],
    ['a server error', TWILIO_ERRORS.serverError],
    ['no answer', { hang: true }],
  ])(
    'answers 502 SMS_UNAVAILABLE when Twilio fails with %s, and the code it was given never signs in',
    async (_, answer) => {
      const mobile = await registered();
      fake.failNext(answer);

      const failed = await client.post('/auth/send-otp', { mobile });

      const body = expectProblem(failed, 502, 'SMS_UNAVAILABLE');
      expect(body.otp).toBeUndefined();
      const leaked = fake.lastCodeTo(mobile, { attempted: true });
      expectProblem(await client.post('/auth/verify-otp', { mobile, otp: leaked }), 401, 'INVALID_OTP');
    },
  );

  it('sends a working code again once Twilio is back', async () => {
    const mobile = await registered();
    fake.failNext(TWILIO_ERRORS.serverError);
    expectProblem(await client.post('/auth/send-otp', { mobile }), 502, 'SMS_UNAVAILABLE');

    expect((await client.post('/auth/send-otp', { mobile })).status).toBe(200);
    expect((await client.post('/auth/verify-otp', { mobile, otp: fake.lastCodeTo(mobile) })).status).toBe(
      200,
    );
  });

  it('answers 400 VALIDATION_FAILED on mobile when Twilio says the number cannot get SMS', async () => {
    const mobile = await registered();
    fake.failNext(TWILIO_ERRORS.invalidNumber);

    expectInvalidField(await client.post('/auth/send-otp', { mobile }), 'mobile');
  });

  it('answers 502 SMS_UNAVAILABLE when Twilio cannot be reached', async () => {
    const unreachable = await startTestApp({ env: twilioEnv(`http://127.0.0.1:${await freePort()}`) });
    try {
      const mobile = freshMobile();
      await unreachable.client.post('/auth/signup', { mobile });
      expectProblem(await unreachable.client.post('/auth/send-otp', { mobile }), 502, 'SMS_UNAVAILABLE');
    } finally {
      await unreachable.close();
    }
  });
});
