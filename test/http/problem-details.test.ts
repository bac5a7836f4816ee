import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aCheckoutCompleted, signStripeEvent } from '#adapters/payments/stripe-events.ts';
import { LanguageModelError } from '#application/ports/language-model.ts';
import { TOKENS } from '#bootstrap/tokens.ts';
import { FixedClock } from '#test/support/clock.ts';
import {
  freshMobile,
  replace,
  signedInUser,
  startTestApp,
  TEST_WEBHOOK_SECRET,
  type TestApp,
  type TestClient,
} from '#test/support/http.ts';
import { ScriptedLanguageModel } from '#test/support/model-doubles.ts';
import { deliver, deliverEvent, expectProblem } from './helpers.ts';

/** What a client shows its user: each refusal's `detail` says what went wrong and what to do. */

let app: TestApp;
let client: TestClient;
let clock: FixedClock;
let model: ScriptedLanguageModel;
beforeAll(async () => {
  clock = new FixedClock('2026-11-23T22:00:00.000Z');
  model = new ScriptedLanguageModel();
  app = await startTestApp({
    overrides: [replace(TOKENS.Clock, clock), replace(TOKENS.LanguageModel, model)],
    env: { REPLY_BACKOFF_MS: '1' },
  });
  client = app.client;
});
afterAll(() => app.close());

function detailOf(response: Parameters<typeof expectProblem>[0], status: number, code: string): string {
  return expectProblem(response, status, code).detail;
}

async function signedUpWithPassword(password: string) {
  const mobile = freshMobile();
  await client.post('/auth/signup', { mobile, password });
  return mobile;
}

describe('problem details of sign-up and sign-in', () => {
  it('says the mobile number is already registered', async () => {
    const mobile = freshMobile();
    await client.post('/auth/signup', { mobile });
    const response = await client.post('/auth/signup', { mobile });
    expect(detailOf(response, 409, 'MOBILE_TAKEN')).toMatch(/already exists/);
  });

  it('says too many codes were requested', async () => {
    const mobile = freshMobile();
    await client.post('/auth/signup', { mobile });
    for (let i = 0; i < 5; i++) await client.post('/auth/send-otp', { mobile });
    const response = await client.post('/auth/send-otp', { mobile });
    expect(detailOf(response, 429, 'TOO_MANY_REQUESTS')).toMatch(/too many codes/i);
  });

  it('tells a wrong code, an expired code and a burned code apart', async () => {
    const mobile = freshMobile();
    await client.post('/auth/signup', { mobile });
    const { otp } = (await client.post('/auth/send-otp', { mobile })).body;
    const wrong = otp === '000000' ? '000001' : '000000';

    const invalid = await client.post('/auth/verify-otp', { mobile, otp: wrong });
    expect(detailOf(invalid, 401, 'INVALID_OTP')).toMatch(/not valid/);

    for (let i = 0; i < 3; i++) await client.post('/auth/verify-otp', { mobile, otp: wrong });
    const burned = await client.post('/auth/verify-otp', { mobile, otp: wrong });
    expect(detailOf(burned, 429, 'TOO_MANY_ATTEMPTS')).toMatch(/request a new one/);

    const fresh = (await client.post('/auth/send-otp', { mobile })).body.otp;
    clock.advance(300_000);
    const expired = await client.post('/auth/verify-otp', { mobile, otp: fresh });
    expect(detailOf(expired, 401, 'OTP_EXPIRED')).toMatch(/expired/);
  });

  it('says the mobile number or password is wrong, then that there were too many failures', async () => {
    const mobile = await signedUpWithPassword('the right password');
    const wrong = await client.post('/auth/login', { mobile, password: 'not the password' });
    expect(detailOf(wrong, 401, 'INVALID_CREDENTIALS')).toMatch(/password is wrong/);

    for (let i = 0; i < 9; i++) await client.post('/auth/login', { mobile, password: 'not the password' });
    const locked = await client.post('/auth/login', { mobile, password: 'the right password' });
    expect(detailOf(locked, 429, 'TOO_MANY_REQUESTS')).toMatch(/too many failed logins/i);
  });

  it('says whether the current password is wrong or missing', async () => {
    const mobile = await signedUpWithPassword('the right password');
    const { token } = (await client.post('/auth/login', { mobile, password: 'the right password' })).body;

    const wrong = await client.post(
      '/auth/change-password',
      { currentPassword: 'not the password', newPassword: 'a new password' },
      { token },
    );
    expect(detailOf(wrong, 403, 'INVALID_CURRENT_PASSWORD')).toMatch(/current password is wrong/);

    const missing = await client.post('/auth/change-password', { newPassword: 'a new password' }, { token });
    expect(detailOf(missing, 403, 'INVALID_CURRENT_PASSWORD')).toMatch(/currentPassword is required/);
  });

  it('says a token is required, invalid, or revoked', async () => {
    expect(detailOf(await client.get('/user/me'), 401, 'UNAUTHORIZED')).toMatch(/bearer token is required/);

    const { token, mobile } = await signedInUser(client);
    const forged = `${token.slice(0, -2)}xx`;
    expect(detailOf(await client.get('/user/me', { token: forged }), 401, 'UNAUTHORIZED')).toMatch(
      /invalid or expired/,
    );

    await client.post('/auth/change-password', { newPassword: 'a new password' }, { token });
    const revoked = await client.get('/user/me', { token });
    expect(detailOf(revoked, 401, 'UNAUTHORIZED')).toMatch(/revoked/);
    expect(mobile).toBeDefined();
  });
});

describe('problem details of chatrooms and messages', () => {
  it('names what was not found', async () => {
    const { token } = await signedInUser(client);
    const missingId = '0190a000-0000-7000-8000-000000000000';
    const room = await client.get(`/chatroom/${missingId}`, { token });
    expect(detailOf(room, 404, 'NOT_FOUND')).toBe('Chatroom not found');

    const { id } = (await client.post('/chatroom', { title: 'Chat' }, { token })).body;
    const message = await client.get(`/chatroom/${id}/messages/${missingId}`, { token });
    expect(detailOf(message, 404, 'NOT_FOUND')).toBe('Message not found');
  });

  it('states the daily limit and when it resets', async () => {
    const { token } = await signedInUser(client);
    const { id } = (await client.post('/chatroom', { title: 'Chat' }, { token })).body;
    const send = () => client.post(`/chatroom/${id}/message`, { content: 'Hi' }, { token });
    for (let i = 0; i < 5; i++) await send();

    const detail = detailOf(await send(), 429, 'QUOTA_EXCEEDED');

    expect(detail).toContain('Daily limit of 5 prompts');
    expect(detail).toContain('2026-11-24T00:00:00.000Z');
  });

  it("passes on the model's own explanation of why it could not answer", async () => {
    const { token } = await signedInUser(client);
    const { id } = (await client.post('/chatroom', { title: 'Chat' }, { token })).body;
    model.answerWith(() => {
      throw new LanguageModelError('The prompt was blocked by the safety filters', { retryable: false });
    });

    const response = await client.post(`/chatroom/${id}/message`, { content: 'Hi' }, { token });

    expect(detailOf(response, 502, 'MODEL_UNAVAILABLE')).toContain(
      'The prompt was blocked by the safety filters',
    );
  });
});

describe('problem details of billing', () => {
  it('says a Pro user is already subscribed, and a user without an account must subscribe first', async () => {
    const { token, user } = await signedInUser(client);
    const portal = await client.post('/subscription/portal', undefined, { token });
    expect(detailOf(portal, 409, 'NO_BILLING_ACCOUNT')).toMatch(/subscribe first/);

    await deliverEvent(
      client,
      aCheckoutCompleted({ userId: user.id, customer: 'cus_details', subscription: 'sub_details' }),
    );
    const again = await client.post('/subscribe/pro', undefined, { token });
    expect(detailOf(again, 409, 'ALREADY_SUBSCRIBED')).toMatch(/already have an active Pro subscription/);
  });

  it('says the webhook signature does not match the body', async () => {
    const { rawBody, signature } = signStripeEvent({ id: 'evt_details', type: 'ping' }, TEST_WEBHOOK_SECRET);
    const response = await deliver(client, `${rawBody} `, signature);
    expect(detailOf(response, 400, 'INVALID_SIGNATURE')).toMatch(/does not match/);
  });
});
