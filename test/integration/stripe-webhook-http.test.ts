import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  aCheckoutCompleted,
  anInvoicePaymentFailed,
  aStripeEvent,
  aSubscriptionCreated,
  aSubscriptionDeleted,
  aSubscriptionUpdated,
  signStripeEvent,
} from '#adapters/payments/stripe-events.ts';
import { SUBSCRIPTION_STATUSES } from '#domain/subscription/subscription.ts';
import {
  signedInUser,
  startTestApp,
  TEST_WEBHOOK_SECRET,
  type TestApp,
  type TestResponse,
} from '#test/support/http.ts';

let app: TestApp;
/** Event `created` times, increasing per event unless a test sets one. */
let clockSeconds = 1_790_000_000;
const PERIOD_END = 1_795_000_000;

beforeAll(async () => {
  app = await startTestApp();
});

afterAll(async () => {
  await app.close();
});

function nextSecond(): number {
  clockSeconds += 1;
  return clockSeconds;
}

/** The Stripe ids a user's checkout links (the builders' defaults), with this file's billing period. */
function subscriptionOf(userId: string) {
  return { userId, id: `sub_for_${userId}`, customer: `cus_for_${userId}`, periodEnd: PERIOD_END };
}

async function deliver(
  event: object | string,
  options: { secret?: string; timestamp?: number; signature?: string | null } = {},
): Promise<TestResponse> {
  const signed = signStripeEvent(event, options.secret ?? TEST_WEBHOOK_SECRET, options);
  const signature = options.signature === undefined ? signed.signature : options.signature;
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (signature !== null) headers['Stripe-Signature'] = signature;
  return app.client.request('POST', '/webhook/stripe', undefined, { raw: signed.rawBody, headers });
}

async function statusOf(token: string) {
  const response = await app.client.get('/subscription/status', { token });
  expect(response.status).toBe(200);
  return response.body as {
    tier: string;
    status: string | null;
    currentPeriodEnd: string | null;
    cancelAtPeriodEnd: boolean;
  };
}

describe('POST /webhook/stripe: signatures', () => {
  it.each([
    ['no Stripe-Signature header', { signature: null }],
    ['a signature made with another secret', { secret: 'whsec_someone_else' }],
    ['a signature older than 300 seconds', { timestamp: Math.floor(Date.now() / 1000) - 400 }],
    ['a garbled signature', { signature: 't=1,v1=deadbeef' }],
  ])('refuses %s with 400 INVALID_SIGNATURE and changes nothing', async (_name, options) => {
    const { token, user } = await signedInUser(app.client);
    const response = await deliver(aCheckoutCompleted({ userId: user.id, created: nextSecond() }), options);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 400, code: 'INVALID_SIGNATURE' });
    expect((await statusOf(token)).tier).toBe('basic');
  });

  it('refuses a body changed after signing', async () => {
    const { token, user } = await signedInUser(app.client);
    const { rawBody: honest, signature } = signStripeEvent(
      aSubscriptionUpdated({ ...subscriptionOf(user.id), status: 'canceled', created: nextSecond() }),
      TEST_WEBHOOK_SECRET,
    );
    const forged = honest.replace('"canceled"', '"active"');
    expect((await deliver(forged, { signature })).body).toMatchObject({ code: 'INVALID_SIGNATURE' });
    expect((await statusOf(token)).tier).toBe('basic');
  });

  it('accepts a header carrying two v1 signatures when one is valid', async () => {
    const { token, user } = await signedInUser(app.client);
    const { rawBody: raw, signature: header } = signStripeEvent(
      aCheckoutCompleted({ userId: user.id, created: nextSecond() }),
      TEST_WEBHOOK_SECRET,
    );
    const [timestamp, valid] = header.split(',');
    const response = await deliver(raw, { signature: `${timestamp},v1=${'a'.repeat(64)},${valid}` });
    expect(response.status).toBe(200);
    expect((await statusOf(token)).tier).toBe('pro');
  });

  it('answers 400 VALIDATION_FAILED for a signed event it cannot read', async () => {
    const response = await deliver(JSON.stringify({ type: 'customer.subscription.updated' }));
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('POST /webhook/stripe: events', () => {
  it('checkout.session.completed makes the user Pro at once and links the subscription', async () => {
    const { token, user } = await signedInUser(app.client);
    const response = await deliver(aCheckoutCompleted({ userId: user.id, created: nextSecond() }));
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ received: true });
    expect(await statusOf(token)).toMatchObject({ tier: 'pro', status: 'active' });
    expect((await app.client.get('/user/me', { token })).body.user.tier).toBe('pro');
    expect((await app.client.post('/subscribe/pro', undefined, { token })).body).toMatchObject({
      code: 'ALREADY_SUBSCRIBED',
    });
    // Later events name only the subscription or the customer.
    const { id, customer } = subscriptionOf(user.id);
    await deliver(aSubscriptionUpdated({ id, customer, status: 'canceled', created: nextSecond() }));
    expect(await statusOf(token)).toMatchObject({ tier: 'basic', status: 'canceled' });
  });

  it.each(
    SUBSCRIPTION_STATUSES.map((status) => [
      status,
      ['active', 'trialing', 'past_due'].includes(status) ? 'pro' : 'basic',
    ]),
  )('customer.subscription.updated with status %s gives tier %s', async (status, tier) => {
    const { token, user } = await signedInUser(app.client);
    await deliver(
      aSubscriptionCreated({ ...subscriptionOf(user.id), status: 'active', created: nextSecond() }),
    );
    expect(
      (await deliver(aSubscriptionUpdated({ ...subscriptionOf(user.id), status, created: nextSecond() })))
        .status,
    ).toBe(200);
    expect(await statusOf(token)).toMatchObject({
      tier,
      status,
      currentPeriodEnd: new Date(PERIOD_END * 1000).toISOString(),
    });
  });

  it('customer.subscription.deleted makes the user Basic', async () => {
    const { token, user } = await signedInUser(app.client);
    await deliver(aCheckoutCompleted({ userId: user.id, created: nextSecond() }));
    await deliver(aSubscriptionDeleted({ ...subscriptionOf(user.id), created: nextSecond() }));
    expect(await statusOf(token)).toMatchObject({ tier: 'basic', status: 'canceled' });
  });

  it('invoice.payment_failed marks the subscription past_due (still Pro while Stripe retries)', async () => {
    const { token, user } = await signedInUser(app.client);
    await deliver(aCheckoutCompleted({ userId: user.id, created: nextSecond() }));
    const { customer, id: subscription } = subscriptionOf(user.id);
    const failed = anInvoicePaymentFailed({ customer, subscription, created: nextSecond() });
    expect((await deliver(failed)).status).toBe(200);
    expect(await statusOf(token)).toMatchObject({ tier: 'pro', status: 'past_due' });
  });

  it('answers 200 to event types it does not handle and changes nothing', async () => {
    const { token, user } = await signedInUser(app.client);
    const refund = aStripeEvent('charge.refunded', { id: 'ch_1', metadata: { userId: user.id } });
    const response = await deliver(refund);
    expect(response.status).toBe(200);
    expect(await statusOf(token)).toMatchObject({ tier: 'basic', status: null });
  });

  it('a subscription event older than the last one applied changes nothing (out-of-order delivery)', async () => {
    const { token, user } = await signedInUser(app.client);
    const created = aSubscriptionCreated({ ...subscriptionOf(user.id), created: nextSecond() });
    const canceled = aSubscriptionDeleted({ ...subscriptionOf(user.id), created: nextSecond() });
    expect((await deliver(canceled)).status).toBe(200);
    expect((await deliver(created)).status).toBe(200);
    expect(await statusOf(token)).toMatchObject({ tier: 'basic', status: 'canceled' });
  });

  it('ten parallel deliveries of one event apply it once', async () => {
    const { token, user } = await signedInUser(app.client);
    const second = clockSeconds + 100;
    const pastDue = aSubscriptionUpdated({ ...subscriptionOf(user.id), status: 'past_due', created: second });
    const active = aSubscriptionUpdated({ ...subscriptionOf(user.id), status: 'active', created: second });
    const first = await Promise.all(Array.from({ length: 10 }, () => deliver(pastDue)));
    expect(first.map((response) => response.status)).toEqual(Array(10).fill(200));
    expect((await statusOf(token)).status).toBe('past_due');
    // A newer state from the same second, then the old event redelivered: only a second application could undo it.
    await deliver(active);
    const again = await Promise.all(Array.from({ length: 10 }, () => deliver(pastDue)));
    expect(again.map((response) => response.body)).toEqual(Array(10).fill({ received: true }));
    expect((await statusOf(token)).status).toBe('active');
  });
});

describe('offline checkout in the browser', () => {
  it('subscribe → local checkout page → "Complete test payment" → Pro; portal → cancel → Basic', async () => {
    const { token } = await signedInUser(app.client);
    const checkout = await app.client.post('/subscribe/pro', undefined, { token });
    expect(checkout.status).toBe(201);
    const checkoutPath = new URL(checkout.body.checkoutUrl).pathname;
    expect(checkoutPath).toBe(`/checkout/local/${checkout.body.sessionId}`);
    const page = await app.runtime.app.request(checkoutPath);
    expect(await page.text()).toContain('Complete test payment');
    const done = await app.runtime.app.request(`${checkoutPath}/complete`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(done.status).toBe(200);
    expect(await statusOf(token)).toMatchObject({ tier: 'pro', status: 'active', cancelAtPeriodEnd: false });

    const portal = await app.client.post('/subscription/portal', undefined, { token });
    expect(portal.status).toBe(201);
    const portalPath = new URL(portal.body.url).pathname;
    const cancel = await app.runtime.app.request(`${portalPath}/cancel`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(cancel.status).toBe(200);
    expect(await statusOf(token)).toMatchObject({ tier: 'basic', status: 'canceled' });
  });
});
