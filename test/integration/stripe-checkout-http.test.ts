import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { aCheckoutCompleted, signStripeEvent } from '#adapters/payments/stripe-events.ts';
import { FakeStripe } from '#test/support/fake-stripe.ts';
import { signedInUser, startTestApp, TEST_WEBHOOK_SECRET, type TestApp } from '#test/support/http.ts';

const SECRET_KEY = 'sk_test_http_flow_key';
const PRICE = 'price_pro_http';

let fake: FakeStripe;
let app: TestApp;

beforeAll(async () => {
  fake = await FakeStripe.start();
  app = await startTestApp({
    env: { STRIPE_SECRET_KEY: SECRET_KEY, STRIPE_PRICE_ID: PRICE, STRIPE_API_BASE: fake.apiBase },
  });
});

afterAll(async () => {
  await app?.close();
  await fake?.close();
});

beforeEach(() => {
  fake.requests.length = 0;
});

/** What Stripe sends once the customer paid on its checkout page, from the session it was asked to create. */
function paidCheckout(form: Record<string, string>, sessionId: string) {
  const event = aCheckoutCompleted({
    sessionId,
    mode: form.mode,
    userId: form.client_reference_id ?? '',
    customer: form.customer,
    subscription: `sub_for_${sessionId}`,
  });
  const { rawBody, signature } = signStripeEvent(event, TEST_WEBHOOK_SECRET);
  return app.client.request('POST', '/webhook/stripe', undefined, {
    raw: rawBody,
    headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature },
  });
}

describe('subscribing through Stripe (STRIPE_SECRET_KEY set, STRIPE_API_BASE at the fake)', () => {
  it('subscribe → Stripe checkout session → signed webhook → Pro → billing portal', async () => {
    const { token, user } = await signedInUser(app.client);
    const checkout = await app.client.post('/subscribe/pro', undefined, { token });
    expect(checkout.status).toBe(201);
    expect(checkout.body.checkoutUrl).toBe(`https://checkout.stripe.com/c/pay/${checkout.body.sessionId}`);

    const [customer] = fake.requestsTo('/v1/customers');
    const [session] = fake.requestsTo('/v1/checkout/sessions');
    expect(customer?.form['metadata[userId]']).toBe(user.id);
    expect(session?.form).toMatchObject({
      mode: 'subscription',
      client_reference_id: user.id,
      'line_items[0][price]': PRICE,
      'metadata[userId]': user.id,
      'subscription_data[metadata][userId]': user.id,
    });
    expect(session?.form.customer).toMatch(/^cus_fake_/);

    expect((await paidCheckout(session?.form ?? {}, checkout.body.sessionId)).status).toBe(200);
    const status = await app.client.get('/subscription/status', { token });
    expect(status.body).toMatchObject({ tier: 'pro', status: 'active' });

    const portal = await app.client.post('/subscription/portal', undefined, { token });
    expect(portal.status).toBe(201);
    expect(portal.body.url).toMatch(/^https:\/\/billing\.stripe\.com\//);
    expect(fake.requestsTo('/v1/billing_portal/sessions')[0]?.form.customer).toBe(session?.form.customer);
  });

  it('a double click on subscribe gives one session and reuses the customer', async () => {
    const { token } = await signedInUser(app.client);
    const first = await app.client.post('/subscribe/pro', undefined, { token });
    const second = await app.client.post('/subscribe/pro', undefined, { token });
    expect(second.body.sessionId).toBe(first.body.sessionId);
    expect(fake.requestsTo('/v1/customers')).toHaveLength(1);
    const sessions = fake.requestsTo('/v1/checkout/sessions');
    expect(sessions.map((request) => request.form.customer)).toEqual([
      sessions[0]?.form.customer,
      sessions[0]?.form.customer,
    ]);
  });

  it('a Stripe failure answers 502 and leaves the user as they were', async () => {
    const { token } = await signedInUser(app.client);
    fake.failNext('/v1/customers', {
      status: 400,
      type: 'invalid_request_error',
      code: 'parameter_invalid_string',
    });
    const response = await app.client.post('/subscribe/pro', undefined, { token });
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(JSON.stringify(response.body)).not.toContain(SECRET_KEY);
    expect((await app.client.get('/subscription/status', { token })).body).toMatchObject({
      tier: 'basic',
      status: null,
    });
    expect((await app.client.post('/subscription/portal', undefined, { token })).status).toBe(409);
  });
});
