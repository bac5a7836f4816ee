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
import { TOKENS } from '#bootstrap/tokens.ts';
import {
  replace,
  signedInUser,
  startTestApp,
  TEST_WEBHOOK_SECRET,
  type TestApp,
  type TestClient,
} from '#test/support/http.ts';
import { FakePaymentGateway } from '#test/support/payment-doubles.ts';
import {
  anIsoTime,
  deliver,
  deliverEvent,
  expectInvalidField,
  expectProblem,
  expectUnauthorized,
  nowSeconds,
} from './helpers.ts';

let app: TestApp;
let client: TestClient;
beforeAll(async () => {
  app = await startTestApp();
  client = app.client;
});
afterAll(() => app.close());

let subscriptionCounter = 0;

function status(token: string) {
  return client.get('/subscription/status', { token });
}

/** A signed-in user made Pro by a checkout.session.completed, with its Stripe ids. */
async function proUser() {
  subscriptionCounter += 1;
  const user = await signedInUser(client);
  const ids = {
    customer: `cus_http_${subscriptionCounter}`,
    subscription: `sub_http_${subscriptionCounter}`,
  };
  const created = nowSeconds() - 100;
  const paid = aCheckoutCompleted({ userId: user.user.id, ...ids, created });
  expect((await deliverEvent(client, paid)).status).toBe(200);
  return { ...user, ...ids, created };
}

describe('POST /subscribe/pro', () => {
  it('answers 201 with a checkout session and its URL', async () => {
    const { token } = await signedInUser(client);

    const response = await client.post('/subscribe/pro', undefined, { token });

    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      sessionId: expect.stringMatching(/^cs_local_\w+$/),
      checkoutUrl: expect.any(String),
    });
    expect(response.body.checkoutUrl).toBe(`http://localhost:3000/checkout/local/${response.body.sessionId}`);
  });

  it('answers 401 without a token', async () => {
    expectUnauthorized(await client.post('/subscribe/pro'));
  });

  it('answers 409 ALREADY_SUBSCRIBED for a Pro user', async () => {
    const { token } = await proUser();

    expectProblem(await client.post('/subscribe/pro', undefined, { token }), 409, 'ALREADY_SUBSCRIBED');
  });

  it('upgrades through the local checkout page: checkoutUrl → complete → Pro', async () => {
    const { token } = await signedInUser(client);
    const { checkoutUrl } = (await client.post('/subscribe/pro', undefined, { token })).body;
    const checkoutPath = new URL(checkoutUrl).pathname;

    const page = await client.get(checkoutPath);
    expect(page.status).toBe(200);
    expect(page.headers.get('Content-Type')).toMatch(/^text\/html/);
    expect(page.body).toContain('Complete test payment');
    expect(page.body).toContain(`action="${checkoutPath}/complete"`);
    expect((await status(token)).body).toMatchObject({ tier: 'basic', status: null });

    const completed = await client.post(`${checkoutPath}/complete`);

    expect(completed.status).toBe(200);
    const after = await status(token);
    expect(after.body).toEqual({
      tier: 'pro',
      status: 'active',
      currentPeriodEnd: anIsoTime,
      cancelAtPeriodEnd: false,
      usage: { used: 0, limit: 500, remaining: 500, resetsAt: anIsoTime },
    });
    expect(Date.parse(after.body.currentPeriodEnd)).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    expect((await client.get('/user/me', { token })).body.user.tier).toBe('pro');
    expect((await client.post(`${checkoutPath}/complete`)).status).toBe(200);
    expect((await status(token)).body.tier).toBe('pro');
    expectProblem(await client.post('/subscribe/pro', undefined, { token }), 409, 'ALREADY_SUBSCRIBED');
  });

  it('answers 404 for an unknown local checkout session', async () => {
    expect((await client.get('/checkout/local/cs_local_000000000000000000000000')).status).toBe(404);
    expect((await client.post('/checkout/local/cs_local_000000000000000000000000/complete')).status).toBe(
      404,
    );
  });
});

describe('GET /subscription/status', () => {
  it('answers tier basic and status null for a user who never subscribed', async () => {
    const { token } = await signedInUser(client);

    const response = await status(token);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      tier: 'basic',
      status: null,
      currentPeriodEnd: null,
      cancelAtPeriodEnd: false,
      usage: { used: 0, limit: 5, remaining: 5, resetsAt: anIsoTime },
    });
  });

  it('stays basic with status null after a checkout that was never paid', async () => {
    const { token } = await signedInUser(client);
    await client.post('/subscribe/pro', undefined, { token });

    expect((await status(token)).body).toMatchObject({ tier: 'basic', status: null, currentPeriodEnd: null });
  });

  it('answers 401 without a token', async () => {
    expectUnauthorized(await client.get('/subscription/status'));
  });
});

describe('POST /subscription/portal', () => {
  it('answers 409 NO_BILLING_ACCOUNT before any checkout, 201 { url } after', async () => {
    const { token } = await signedInUser(client);

    expectProblem(await client.post('/subscription/portal', undefined, { token }), 409, 'NO_BILLING_ACCOUNT');
    await client.post('/subscribe/pro', undefined, { token });
    const response = await client.post('/subscription/portal', undefined, { token });

    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      url: expect.stringMatching(/^http:\/\/localhost:3000\/checkout\/local\/portal\/cus_/),
    });
  });

  it('lets a Pro user cancel through the local portal page, back to Basic', async () => {
    const { token } = await signedInUser(client);
    const { checkoutUrl } = (await client.post('/subscribe/pro', undefined, { token })).body;
    await client.post(`${new URL(checkoutUrl).pathname}/complete`);
    const portalPath = new URL((await client.post('/subscription/portal', undefined, { token })).body.url)
      .pathname;

    expect((await client.get(portalPath)).status).toBe(200);
    expect((await client.post(`${portalPath}/cancel`)).status).toBe(200);

    expect((await status(token)).body).toMatchObject({ tier: 'basic', status: 'canceled' });
  });

  it('answers 401 without a token', async () => {
    expectUnauthorized(await client.post('/subscription/portal'));
  });
});

describe('POST /webhook/stripe: signature', () => {
  async function refused(user: { token: string }, payload: string, signature?: string) {
    const response = await deliver(client, payload, signature);
    expectProblem(response, 400, 'INVALID_SIGNATURE');
    expect((await status(user.token)).body).toMatchObject({ tier: 'basic', status: null });
  }

  it('applies a correctly signed checkout.session.completed at once: 200 { received: true }, Pro', async () => {
    const user = await signedInUser(client);

    const response = await deliverEvent(
      client,
      aCheckoutCompleted({ userId: user.user.id, customer: 'cus_now', subscription: 'sub_now' }),
    );

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ received: true });
    expect((await status(user.token)).body).toMatchObject({ tier: 'pro', status: 'active' });
    expect((await client.get('/user/me', { token: user.token })).body.user.tier).toBe('pro');
  });

  it('answers 400 INVALID_SIGNATURE without a Stripe-Signature header', async () => {
    const user = await signedInUser(client);
    const { rawBody: payload } = signStripeEvent(
      aCheckoutCompleted({ userId: user.user.id, customer: 'cus_a', subscription: 'sub_a' }),
      TEST_WEBHOOK_SECRET,
    );

    await refused(user, payload);
  });

  it('answers 400 INVALID_SIGNATURE for a signature made with another secret', async () => {
    const user = await signedInUser(client);
    const { rawBody: payload, signature } = signStripeEvent(
      aCheckoutCompleted({ userId: user.user.id, customer: 'cus_b', subscription: 'sub_b' }),
      'whsec_someone_else',
    );

    await refused(user, payload, signature);
  });

  it('answers 400 INVALID_SIGNATURE for a garbage header', async () => {
    const user = await signedInUser(client);
    const { rawBody: payload } = signStripeEvent(
      aCheckoutCompleted({ userId: user.user.id, customer: 'cus_g', subscription: 'sub_g' }),
      TEST_WEBHOOK_SECRET,
    );

    await refused(user, payload, 't=123,v1=deadbeef');
  });

  it('answers 400 INVALID_SIGNATURE for a signature older than 300 s', async () => {
    const user = await signedInUser(client);
    const { rawBody: payload, signature } = signStripeEvent(
      aCheckoutCompleted({ userId: user.user.id, customer: 'cus_c', subscription: 'sub_c' }),
      TEST_WEBHOOK_SECRET,
      { timestamp: nowSeconds() - 301 },
    );

    await refused(user, payload, signature);
  });

  it('accepts a signature a little under 300 s old', async () => {
    const user = await signedInUser(client);
    const { rawBody: payload, signature } = signStripeEvent(
      aCheckoutCompleted({ userId: user.user.id, customer: 'cus_d', subscription: 'sub_d' }),
      TEST_WEBHOOK_SECRET,
      { timestamp: nowSeconds() - 280 },
    );

    expect((await deliver(client, payload, signature)).status).toBe(200);
    expect((await status(user.token)).body.tier).toBe('pro');
  });

  it('answers 400 INVALID_SIGNATURE for a body changed after signing', async () => {
    const user = await signedInUser(client);
    const victim = await signedInUser(client);
    const { rawBody: payload, signature } = signStripeEvent(
      aCheckoutCompleted({ userId: user.user.id, customer: 'cus_e', subscription: 'sub_e' }),
      TEST_WEBHOOK_SECRET,
    );

    await refused(victim, payload.replaceAll(user.user.id, victim.user.id), signature);
    expect((await status(user.token)).body.tier).toBe('basic');
  });
});

describe('POST /webhook/stripe: events', () => {
  it('answers 400 VALIDATION_FAILED for a signed but malformed event', async () => {
    const notJson = 'this is not json';
    const { signature: notJsonSignature } = signStripeEvent(notJson, TEST_WEBHOOK_SECRET);

    const rawNotJson = await deliver(client, notJson, notJsonSignature);
    const noId = await deliverEvent(client, {
      ...aStripeEvent('checkout.session.completed', {}),
      id: undefined,
    });
    const badCreated = await deliverEvent(client, {
      ...aStripeEvent('customer.updated', {}),
      created: 'yesterday',
    });
    const badStatus = await deliverEvent(
      client,
      aSubscriptionUpdated({ id: 'sub_bad', customer: 'cus_bad', status: 'sleeping' }),
    );
    const badCheckout = await deliverEvent(client, aStripeEvent('checkout.session.completed', { mode: 42 }));

    expectProblem(rawNotJson, 400, 'VALIDATION_FAILED');
    expectInvalidField(noId, 'id');
    expectInvalidField(badCreated, 'created');
    expectInvalidField(badStatus, 'data.object.status');
    expectProblem(badCheckout, 400, 'VALIDATION_FAILED');
  });

  it.each([
    ['active', 'pro'],
    ['trialing', 'pro'],
    ['past_due', 'pro'],
    ['incomplete', 'basic'],
    ['incomplete_expired', 'basic'],
    ['unpaid', 'basic'],
    ['paused', 'basic'],
    ['canceled', 'basic'],
  ])('customer.subscription.updated with status %s makes the user %s', async (subscriptionStatus, tier) => {
    const user = await proUser();
    const periodEnd = nowSeconds() + 10 * 86_400;

    const response = await deliverEvent(
      client,
      aSubscriptionUpdated({
        id: user.subscription,
        customer: user.customer,
        status: subscriptionStatus,
        periodEnd,
        cancelAtPeriodEnd: true,
        created: user.created + 10,
      }),
    );

    expect(response.status).toBe(200);
    expect((await status(user.token)).body).toMatchObject({
      tier,
      status: subscriptionStatus,
      currentPeriodEnd: new Date(periodEnd * 1000).toISOString(),
      cancelAtPeriodEnd: true,
    });
    expect((await client.get('/user/me', { token: user.token })).body.user.tier).toBe(tier);
  });

  it('customer.subscription.deleted makes the user Basic again', async () => {
    const user = await proUser();

    await deliverEvent(
      client,
      aSubscriptionDeleted({
        id: user.subscription,
        customer: user.customer,
        status: 'canceled',
        created: user.created + 10,
      }),
    );

    expect((await status(user.token)).body).toMatchObject({ tier: 'basic', status: 'canceled' });
  });

  it('keeps Pro a user who cancels another subscription, or whose old subscription fails a payment', async () => {
    const user = await proUser();
    const other = `${user.subscription}_other`;

    const deleted = await deliverEvent(
      client,
      aSubscriptionDeleted({
        id: other,
        customer: user.customer,
        status: 'canceled',
        userId: user.user.id,
        created: user.created + 10,
      }),
    );
    const failed = await deliverEvent(
      client,
      anInvoicePaymentFailed({
        customer: user.customer,
        subscription: other,
        legacyShape: true,
        created: user.created + 20,
      }),
    );

    expect([deleted.status, failed.status]).toEqual([200, 200]);
    expect((await status(user.token)).body).toMatchObject({ tier: 'pro', status: 'active' });
  });

  it('invoice.payment_failed marks the subscription past_due, still Pro (both invoice shapes)', async () => {
    const legacy = await proUser();
    const current = await proUser();

    const legacyResponse = await deliverEvent(
      client,
      anInvoicePaymentFailed({
        customer: legacy.customer,
        subscription: legacy.subscription,
        legacyShape: true,
      }),
    );
    const currentResponse = await deliverEvent(
      client,
      anInvoicePaymentFailed({ customer: current.customer, subscription: current.subscription }),
    );

    expect(legacyResponse.status).toBe(200);
    expect(currentResponse.status).toBe(200);
    expect((await status(legacy.token)).body).toMatchObject({ tier: 'pro', status: 'past_due' });
    expect((await status(current.token)).body).toMatchObject({ tier: 'pro', status: 'past_due' });
  });

  it('applies each event id once: a redelivery answers 200 and changes nothing', async () => {
    const user = await proUser();
    const id = `evt_once_${user.subscription}`;
    const first = aSubscriptionUpdated({
      id: user.subscription,
      customer: user.customer,
      status: 'past_due',
      eventId: id,
      created: user.created + 10,
    });
    const sameIdOtherPayload = aSubscriptionUpdated({
      id: user.subscription,
      customer: user.customer,
      status: 'canceled',
      eventId: id,
      created: user.created + 20,
    });

    expect((await deliverEvent(client, first)).status).toBe(200);
    const again = await deliverEvent(client, sameIdOtherPayload);

    expect(again.status).toBe(200);
    expect(again.body).toEqual({ received: true });
    expect((await status(user.token)).body).toMatchObject({ tier: 'pro', status: 'past_due' });
  });

  it('applies one event delivered 10 times in parallel once', async () => {
    const user = await proUser();
    const id = `evt_parallel_${user.subscription}`;
    const periodEnds = Array.from({ length: 10 }, (_, n) => nowSeconds() + (n + 1) * 86_400);
    // Same id, payloads told apart by their period end. Exactly one claim per id under parallel deliveries is
    // proven by the repository contract (applyEventOnce); here: all answer 200, one payload is applied, and
    // the id stays claimed afterwards.
    const deliveries = periodEnds.map((periodEnd, n) =>
      aSubscriptionUpdated({
        id: user.subscription,
        customer: user.customer,
        status: 'active',
        periodEnd,
        eventId: id,
        created: user.created + 10 + n,
      }),
    );

    const responses = await Promise.all(deliveries.map((event) => deliverEvent(client, event)));

    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(200));
    const applied = (await status(user.token)).body.currentPeriodEnd;
    expect(periodEnds.map((end) => new Date(end * 1000).toISOString())).toContain(applied);

    const late = aSubscriptionUpdated({
      id: user.subscription,
      customer: user.customer,
      status: 'canceled',
      periodEnd: nowSeconds(),
      eventId: id,
      created: user.created + 1000,
    });
    expect((await deliverEvent(client, late)).status).toBe(200);
    expect((await status(user.token)).body).toMatchObject({ tier: 'pro', currentPeriodEnd: applied });
  });

  it('ignores a subscription event older than the last one applied', async () => {
    const user = await proUser();
    const sub = { id: user.subscription, customer: user.customer };
    await deliverEvent(
      client,
      aSubscriptionUpdated({ ...sub, status: 'active', created: user.created + 100 }),
    );

    const stale = await deliverEvent(
      client,
      aSubscriptionUpdated({ ...sub, status: 'canceled', created: user.created + 50 }),
    );

    expect(stale.status).toBe(200);
    expect((await status(user.token)).body).toMatchObject({ tier: 'pro', status: 'active' });
  });

  it('answers 200 to an unknown event type and changes nothing', async () => {
    const user = await proUser();

    const response = await deliverEvent(
      client,
      aStripeEvent('customer.updated', {
        id: user.customer,
        object: 'customer',
        metadata: { userId: user.user.id },
      }),
    );
    const oneOffInvoice = await deliverEvent(client, anInvoicePaymentFailed({ customer: user.customer }));

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ received: true });
    expect(oneOffInvoice.status).toBe(200);
    expect((await status(user.token)).body).toMatchObject({ tier: 'pro', status: 'active' });
  });

  it('ignores a checkout.session.completed that is not in subscription mode', async () => {
    const { token, user } = await signedInUser(client);
    const oneOff = aCheckoutCompleted({ userId: user.id, mode: 'payment' });

    expect((await deliverEvent(client, oneOff)).status).toBe(200);

    expect((await status(token)).body).toMatchObject({ tier: 'basic', status: null });
  });

  it('finds the user by the linked customer id when the event names no user', async () => {
    const payments = new FakePaymentGateway();
    const own = await startTestApp({ overrides: [replace(TOKENS.PaymentGateway, payments)] });
    try {
      const { token, user } = await signedInUser(own.client);
      await own.client.post('/subscribe/pro', undefined, { token });
      const linked = payments.checkouts.at(-1);
      expect(linked?.userId).toBe(user.id);

      const response = await deliverEvent(
        own.client,
        aSubscriptionCreated({
          id: `sub_by_customer_${user.id}`,
          customer: linked!.customerId,
          status: 'active',
        }),
      );

      expect(response.status).toBe(200);
      const pro = await own.client.get('/subscription/status', { token });
      expect(pro.body).toMatchObject({ tier: 'pro', status: 'active' });
    } finally {
      await own.close();
    }
  });

  it('finds the user by metadata.userId on a subscription event', async () => {
    const { token, user } = await signedInUser(client);

    await deliverEvent(
      client,
      aSubscriptionCreated({
        id: `sub_by_metadata_${user.id}`,
        customer: `cus_meta_${user.id}`,
        status: 'trialing',
        userId: user.id,
      }),
    );

    expect((await status(token)).body).toMatchObject({ tier: 'pro', status: 'trialing' });
  });

  it('answers 200 to an event for nobody it knows, changing nothing', async () => {
    const { token } = await signedInUser(client);

    const response = await deliverEvent(
      client,
      aCheckoutCompleted({
        userId: '01900000-0000-7000-8000-00000000dead',
        customer: 'cus_nobody',
        subscription: 'sub_nobody',
      }),
    );

    expect(response.status).toBe(200);
    expect((await status(token)).body).toMatchObject({ tier: 'basic', status: null });
  });
});
