import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aCheckoutCompleted, signStripeEvent } from '#adapters/payments/stripe-events.ts';
import { FakeGemini, geminiText } from '#test/support/fake-gemini.ts';
import { FakeStripe } from '#test/support/fake-stripe.ts';
import { call, freePort, ServiceProcess } from '#test/support/server-process.ts';
import { createTestDatabase, withServices } from '#test/support/services.ts';

/**
 * The start command (`node src/bootstrap/server.ts`) with the Gemini and Stripe keys set and their base URLs
 * at local fakes speaking the wire formats: a message answered by Gemini with the history, and an upgrade
 * through a Stripe checkout session and a signed webhook.
 */
const WEBHOOK_SECRET = 'whsec_server_test_secret';

let gemini: FakeGemini;
let stripe: FakeStripe;
let service: ServiceProcess;
const created = await createTestDatabase();

withServices([created], (database) => {
  beforeAll(async () => {
    gemini = await FakeGemini.start();
    stripe = await FakeStripe.start();
    service = new ServiceProcess(
      {
        DATABASE_URL: database.url,
        REDIS_URL: '',
        LOG_LEVEL: 'info',
        JWT_SECRET: 'server-test-secret-server-test-secret-0123',
        GEMINI_API_KEY: 'test-gemini-key',
        GEMINI_BASE_URL: gemini.baseUrl,
        GEMINI_MODEL: 'gemini-test-model',
        STRIPE_SECRET_KEY: 'sk_test_server_flow',
        STRIPE_PRICE_ID: 'price_pro_server',
        STRIPE_API_BASE: stripe.apiBase,
        STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      },
      await freePort(),
    );
    await service.started(true);
  }, 60_000);

  afterAll(async () => {
    await service?.stop('SIGTERM');
    await gemini?.close();
    await stripe?.close();
    await database.drop();
  });

  async function signedIn(mobile: string): Promise<string> {
    await call(service.baseUrl, 'POST', '/auth/signup', { body: { mobile } });
    const sent = await call(service.baseUrl, 'POST', '/auth/send-otp', { body: { mobile } });
    const session = await call(service.baseUrl, 'POST', '/auth/verify-otp', {
      body: { mobile, otp: sent.body.otp },
    });
    return session.body.token;
  }

  describe('the service with Gemini and Stripe configured', () => {
    it('names the real adapters in its start-up line', async () => {
      const line = await service.logLine(
        (entry) => typeof entry.msg === 'string' && entry.msg.startsWith('adapters:'),
      );
      expect(line).toMatchObject({
        model: expect.stringMatching(/^gemini \(gemini-test-model/),
        payments: expect.stringMatching(/^stripe/),
      });
    });

    it('answers a message with Gemini, sending the earlier turns as history', async () => {
      const token = await signedIn('+15550101001');
      const room = await call(service.baseUrl, 'POST', '/chatroom', { token, body: { title: 'Gemini' } });
      gemini.answerWith(geminiText('First answer'), geminiText('Second answer'));

      const first = await call(service.baseUrl, 'POST', `/chatroom/${room.body.id}/message`, {
        token,
        body: { content: 'One' },
      });
      const second = await call(service.baseUrl, 'POST', `/chatroom/${room.body.id}/message`, {
        token,
        body: { content: 'Two' },
      });

      expect(first.status).toBe(201);
      expect(second.body.reply).toMatchObject({ status: 'completed', content: 'Second answer' });
      const request = gemini.requests.at(-1)!;
      expect(request.path).toBe('/v1/models/gemini-test-model:generateContent');
      expect(request.headers['x-goog-api-key']).toBe('test-gemini-key');
      expect(request.body.contents).toEqual([
        { role: 'user', parts: [{ text: 'One' }] },
        { role: 'model', parts: [{ text: 'First answer' }] },
        { role: 'user', parts: [{ text: 'Two' }] },
      ]);
    });

    it('upgrades to Pro through a Stripe checkout session and a signed webhook', async () => {
      const token = await signedIn('+15550101002');
      const me = await call(service.baseUrl, 'GET', '/user/me', { token });
      const checkout = await call(service.baseUrl, 'POST', '/subscribe/pro', { token });
      expect(checkout.status).toBe(201);
      const form = stripe.requestsTo('/v1/checkout/sessions').at(-1)!.form;
      expect(form).toMatchObject({ mode: 'subscription', client_reference_id: me.body.user.id });

      const paid = aCheckoutCompleted({
        sessionId: checkout.body.sessionId,
        userId: me.body.user.id,
        customer: form.customer,
        subscription: 'sub_server_flow',
      });
      const { rawBody, signature } = signStripeEvent(paid, WEBHOOK_SECRET);
      const webhook = await fetch(`${service.baseUrl}/webhook/stripe`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': signature },
        body: rawBody,
      });
      expect(webhook.status).toBe(200);

      const status = await call(service.baseUrl, 'GET', '/subscription/status', { token });
      expect(status.body).toMatchObject({ tier: 'pro', status: 'active' });
    });
  });
});
