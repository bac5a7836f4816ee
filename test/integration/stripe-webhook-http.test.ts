import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBSCRIPTION_STATUSES } from '#domain/subscription/subscription.ts';
import {
  signedInUser,
  startTestApp,
  TEST_WEBHOOK_SECRET,
  type TestApp,
  type TestResponse,
} from '#test/support/http.ts';

let app: TestApp;
let eventCounter = 0;
/** Event `created` times, increasing per event unless a test sets one. */
let clockSeconds = 1_790_000_000;

beforeAll(async () => {
  app = await startTestApp();
});

afterAll(async () => {
  await app.close();
});

interface StripeEvent {
  id: string;
  type: string;
  created: number;
  data: { object: Record<string, unknown> };
}

function anEvent(
  type: string,
  object: Record<string, unknown>,
  fields: Partial<StripeEvent> = {},
): StripeEvent {
  eventCounter += 1;
  clockSeconds += 1;
  return { id: `evt_http_${eventCounter}`, type, created: clockSeconds, data: { object }, ...fields };
}

function subscriptionEvent(
  type: string,
  fields: {
    userId?: string;
    customer?: string;
    id?: string;
    status: string;
    created?: number;
    eventId?: string;
  },
): StripeEvent {
  return anEvent(
    type,
    {
      id: fields.id ?? `sub_for_${fields.userId ?? fields.customer}`,
      object: 'subscription',
      status: fields.status,
      customer: fields.customer ?? `cus_for_${fields.userId}`,
      cancel_at_period_end: false,
      items: { object: 'list', data: [{ current_period_end: 1_795_000_000 }] },
      metadata: fields.userId ? { userId: fields.userId } : {},
    },
    {
      ...(fields.created ? { created: fields.created } : {}),
      ...(fields.eventId ? { id: fields.eventId } : {}),
    },
  );
}

function checkoutCompleted(userId: string): StripeEvent {
  return anEvent('checkout.session.completed', {
    id: `cs_for_${userId}`,
    object: 'checkout.session',
    mode: 'subscription',
    client_reference_id: userId,
    customer: `cus_for_${userId}`,
    subscription: `sub_for_${userId}`,
    metadata: { userId },
  });
}

async function deliver(
  event: StripeEvent | string,
  options: { secret?: string; timestamp?: number; signature?: string | null } = {},
): Promise<TestResponse> {
  const raw = typeof event === 'string' ? event : JSON.stringify(event);
  const signature =
    options.signature === undefined
      ? Stripe.webhooks.generateTestHeaderString({
          payload: raw,
          secret: options.secret ?? TEST_WEBHOOK_SECRET,
          timestamp: options.timestamp,
        })
      : options.signature;
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (signature !== null) headers['Stripe-Signature'] = signature;
  return app.client.request('POST', '/webhook/stripe', undefined, { raw, headers });
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
    const response = await deliver(checkoutCompleted(user.id), options);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 400, code: 'INVALID_SIGNATURE' });
    expect((await statusOf(token)).tier).toBe('basic');
  });

  it('refuses a body changed after signing', async () => {
    const { token, user } = await signedInUser(app.client);
    const honest = JSON.stringify(
      subscriptionEvent('customer.subscription.updated', { userId: user.id, status: 'canceled' }),
    );
    const signature = Stripe.webhooks.generateTestHeaderString({
      payload: honest,
      secret: TEST_WEBHOOK_SECRET,
    });
    const forged = honest.replace('"canceled"', '"active"');
    expect((await deliver(forged, { signature })).body).toMatchObject({ code: 'INVALID_SIGNATURE' });
    expect((await statusOf(token)).tier).toBe('basic');
  });

  it('accepts a header carrying two v1 signatures when one is valid', async () => {
    const { token, user } = await signedInUser(app.client);
    const raw = JSON.stringify(checkoutCompleted(user.id));
    const [timestamp, valid] = Stripe.webhooks
      .generateTestHeaderString({ payload: raw, secret: TEST_WEBHOOK_SECRET })
      .split(',');
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
    const response = await deliver(checkoutCompleted(user.id));
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ received: true });
    expect(await statusOf(token)).toMatchObject({ tier: 'pro', status: 'active' });
    expect((await app.client.get('/user/me', { token })).body.user.tier).toBe('pro');
    expect((await app.client.post('/subscribe/pro', undefined, { token })).body).toMatchObject({
      code: 'ALREADY_SUBSCRIBED',
    });
    // Later events name only the subscription or the customer.
    await deliver(
      subscriptionEvent('customer.subscription.updated', {
        id: `sub_for_${user.id}`,
        customer: `cus_for_${user.id}`,
        status: 'canceled',
      }),
    );
    expect(await statusOf(token)).toMatchObject({ tier: 'basic', status: 'canceled' });
  });

  it.each(
    SUBSCRIPTION_STATUSES.map((status) => [
      status,
      ['active', 'trialing', 'past_due'].includes(status) ? 'pro' : 'basic',
    ]),
  )('customer.subscription.updated with status %s gives tier %s', async (status, tier) => {
    const { token, user } = await signedInUser(app.client);
    await deliver(subscriptionEvent('customer.subscription.created', { userId: user.id, status: 'active' }));
    expect(
      (await deliver(subscriptionEvent('customer.subscription.updated', { userId: user.id, status }))).status,
    ).toBe(200);
    expect(await statusOf(token)).toMatchObject({
      tier,
      status,
      currentPeriodEnd: new Date(1_795_000_000_000).toISOString(),
    });
  });

  it('customer.subscription.deleted makes the user Basic', async () => {
    const { token, user } = await signedInUser(app.client);
    await deliver(checkoutCompleted(user.id));
    await deliver(
      subscriptionEvent('customer.subscription.deleted', { userId: user.id, status: 'canceled' }),
    );
    expect(await statusOf(token)).toMatchObject({ tier: 'basic', status: 'canceled' });
  });

  it('invoice.payment_failed marks the subscription past_due (still Pro while Stripe retries)', async () => {
    const { token, user } = await signedInUser(app.client);
    await deliver(checkoutCompleted(user.id));
    const invoice = {
      id: 'in_1',
      object: 'invoice',
      customer: `cus_for_${user.id}`,
      parent: { subscription_details: { subscription: `sub_for_${user.id}` } },
    };
    expect((await deliver(anEvent('invoice.payment_failed', invoice))).status).toBe(200);
    expect(await statusOf(token)).toMatchObject({ tier: 'pro', status: 'past_due' });
  });

  it('answers 200 to event types it does not handle and changes nothing', async () => {
    const { token, user } = await signedInUser(app.client);
    const response = await deliver(anEvent('charge.refunded', { id: 'ch_1', metadata: { userId: user.id } }));
    expect(response.status).toBe(200);
    expect(await statusOf(token)).toMatchObject({ tier: 'basic', status: null });
  });

  it('a subscription event older than the last one applied changes nothing (out-of-order delivery)', async () => {
    const { token, user } = await signedInUser(app.client);
    const created = subscriptionEvent('customer.subscription.created', { userId: user.id, status: 'active' });
    const canceled = subscriptionEvent('customer.subscription.deleted', {
      userId: user.id,
      status: 'canceled',
    });
    expect((await deliver(canceled)).status).toBe(200);
    expect((await deliver(created)).status).toBe(200);
    expect(await statusOf(token)).toMatchObject({ tier: 'basic', status: 'canceled' });
  });

  it('ten parallel deliveries of one event apply it once', async () => {
    const { token, user } = await signedInUser(app.client);
    const second = clockSeconds + 100;
    const pastDue = subscriptionEvent('customer.subscription.updated', {
      userId: user.id,
      status: 'past_due',
      created: second,
    });
    const active = subscriptionEvent('customer.subscription.updated', {
      userId: user.id,
      status: 'active',
      created: second,
    });
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
