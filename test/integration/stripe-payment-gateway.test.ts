import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StripePaymentGateway } from '#adapters/payments/stripe-payment-gateway.ts';
import { StartCheckout } from '#application/billing/start-checkout.ts';
import { ServiceUnavailable } from '#application/shared/service-unavailable.ts';
import { FixedClock } from '#test/support/clock.ts';
import { FakeStripe } from '#test/support/fake-stripe.ts';
import { sequentialId } from '#test/support/ids.ts';
import { aWorld, givenUser } from '#test/support/world.ts';

const SECRET_KEY = 'sk_test_fake_key_123';
const PRICE = 'price_pro_monthly';
const APP = 'https://chat.example.com';
let users = 0;
/** A user id no earlier test used: the fake keeps idempotency keys for its whole life, as Stripe does for a day. */
const freshUser = () => sequentialId(++users);
let USER = freshUser();

let fake: FakeStripe;

beforeAll(async () => {
  fake = await FakeStripe.start();
});

afterAll(async () => {
  await fake.close();
});

beforeEach(() => {
  fake.requests.length = 0;
  USER = freshUser();
});

function gateway(clock = new FixedClock(), apiBase = fake.apiBase): StripePaymentGateway {
  return new StripePaymentGateway({
    secretKey: SECRET_KEY,
    priceId: PRICE,
    appBaseUrl: `${APP}/`,
    apiBase,
    clock,
  });
}

/** Asserts the caller is told payments are unavailable; returns what Stripe said, kept for the log (the cause). */
async function providerError(call: Promise<unknown>): Promise<string> {
  const error = await call.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ServiceUnavailable);
  expect(error).toMatchObject({ service: 'payments' });
  const logged = String((error as Error).cause);
  for (const text of [(error as Error).message, logged]) expect(text).not.toContain(SECRET_KEY);
  return logged;
}

describe('StripePaymentGateway.createCustomer', () => {
  it('creates a customer carrying the user id, authenticated with the secret key', async () => {
    const customerId = await gateway().createCustomer({ userId: USER, mobile: '+919876543210' });
    expect(customerId).toMatch(/^cus_fake_/);
    const [request] = fake.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/v1/customers' });
    expect(request?.headers.authorization).toBe(`Bearer ${SECRET_KEY}`);
    expect(request?.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(request?.form).toEqual({ phone: '+919876543210', 'metadata[userId]': USER });
  });

  it('uses one idempotency key per user, so a repeated call gets the same customer', async () => {
    const first = await gateway().createCustomer({ userId: USER, mobile: '+919876543210' });
    const again = await gateway().createCustomer({ userId: USER, mobile: '+919876543210' });
    const other = await gateway().createCustomer({ userId: freshUser(), mobile: '+919876543211' });
    expect(again).toBe(first);
    expect(other).not.toBe(first);
    const keys = fake.requestsTo('/v1/customers').map((request) => request.idempotencyKey);
    expect(keys[0]).toBe(keys[1]);
    expect(keys[2]).not.toBe(keys[0]);
    expect(fake.requestsTo('/v1/customers').map((request) => request.replayed)).toEqual([false, true, false]);
  });
});

describe('StripePaymentGateway.createCheckoutSession', () => {
  it('creates a subscription-mode session for the Pro price, tied to the user and the customer', async () => {
    const session = await gateway().createCheckoutSession({ userId: USER, customerId: 'cus_existing' });
    expect(session.sessionId).toMatch(/^cs_test_/);
    expect(session.checkoutUrl).toBe(`https://checkout.stripe.com/c/pay/${session.sessionId}`);
    const [request] = fake.requestsTo('/v1/checkout/sessions');
    expect(request?.form).toEqual({
      mode: 'subscription',
      customer: 'cus_existing',
      client_reference_id: USER,
      'line_items[0][price]': PRICE,
      'line_items[0][quantity]': '1',
      'metadata[userId]': USER,
      'subscription_data[metadata][userId]': USER,
      success_url: `${APP}/checkout/success?session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${APP}/checkout/cancel`,
    });
    expect(request?.idempotencyKey).toBeTruthy();
  });

  it('gives a double click within the minute the same session, and a later click a new one', async () => {
    const clock = new FixedClock('2026-11-23T10:00:05.000Z');
    const first = await gateway(clock).createCheckoutSession({ userId: USER, customerId: 'cus_1' });
    clock.advance(20_000);
    const doubleClick = await gateway(clock).createCheckoutSession({ userId: USER, customerId: 'cus_1' });
    clock.advance(60_000);
    const later = await gateway(clock).createCheckoutSession({ userId: USER, customerId: 'cus_1' });
    expect(doubleClick.sessionId).toBe(first.sessionId);
    expect(later.sessionId).not.toBe(first.sessionId);
  });

  it('gives two users clicking at once two sessions', async () => {
    const [mine, theirs] = await Promise.all([
      gateway().createCheckoutSession({ userId: USER, customerId: 'cus_1' }),
      gateway().createCheckoutSession({ userId: freshUser(), customerId: 'cus_2' }),
    ]);
    expect(mine.sessionId).not.toBe(theirs.sessionId);
  });
});

describe('StripePaymentGateway.createPortalSession', () => {
  it('creates a billing portal session for the customer that returns to the app', async () => {
    expect(await gateway().createPortalSession({ customerId: 'cus_1' })).toMatch(
      /^https:\/\/billing\.stripe\.com\//,
    );
    expect(fake.requestsTo('/v1/billing_portal/sessions')[0]?.form).toEqual({
      customer: 'cus_1',
      return_url: `${APP}/checkout/return`,
    });
  });
});

describe('StripePaymentGateway: Stripe failures', () => {
  it('a refused request makes payments unavailable at once', async () => {
    fake.failNext('/v1/checkout/sessions', {
      status: 400,
      type: 'invalid_request_error',
      code: 'resource_missing',
    });
    const logged = await providerError(
      gateway().createCheckoutSession({ userId: USER, customerId: 'cus_gone' }),
    );
    expect(logged).toContain('resource_missing');
    expect(fake.requestsTo('/v1/checkout/sessions')).toHaveLength(1);
  });

  it('a wrong key makes payments unavailable', async () => {
    const wrongKey = new StripePaymentGateway({
      secretKey: 'not-a-key',
      priceId: PRICE,
      appBaseUrl: APP,
      apiBase: fake.apiBase,
      clock: new FixedClock(),
    });
    await providerError(wrongKey.createCustomer({ userId: USER, mobile: '+919876543210' }));
  });

  it('a Stripe outage is retried once with the same idempotency key, then makes payments unavailable', async () => {
    fake.failNext('/v1/checkout/sessions', { status: 500, type: 'api_error' });
    fake.failNext('/v1/checkout/sessions', { status: 503, type: 'api_error' });
    await providerError(gateway().createCheckoutSession({ userId: USER, customerId: 'cus_1' }));
    const attempts = fake.requestsTo('/v1/checkout/sessions');
    expect(attempts).toHaveLength(2);
    expect(attempts[1]?.idempotencyKey).toBe(attempts[0]?.idempotencyKey);
  });

  it('a single Stripe hiccup is absorbed by the retry', async () => {
    fake.failNext('/v1/billing_portal/sessions', { status: 500, type: 'api_error' });
    expect(await gateway().createPortalSession({ customerId: 'cus_1' })).toMatch(/^https:/);
  });

  it('an unreachable Stripe makes payments unavailable', async () => {
    const closed = await FakeStripe.start();
    const apiBase = closed.apiBase;
    await closed.close();
    await providerError(gateway(new FixedClock(), apiBase).createPortalSession({ customerId: 'cus_1' }));
  });
});

describe('POST /subscribe/pro through StartCheckout and Stripe', () => {
  it('creates the customer once and reuses it for later checkouts', async () => {
    const world = aWorld();
    const user = await givenUser(world);
    const startCheckout = new StartCheckout({ ...world, payments: gateway(world.clock) });
    await startCheckout.execute({ user });
    world.clock.advance(120_000);
    await startCheckout.execute({ user });
    const customers = fake.requestsTo('/v1/customers');
    const sessions = fake.requestsTo('/v1/checkout/sessions');
    expect(customers).toHaveLength(1);
    expect(sessions).toHaveLength(2);
    const linked = (await world.subscriptions.findByUserId(user.id))?.customerId;
    expect(linked).toMatch(/^cus_fake_/);
    expect(sessions.map((request) => request.form.customer)).toEqual([linked, linked]);
  });

  it('changes nothing about the user when Stripe fails', async () => {
    const world = aWorld();
    const user = await givenUser(world);
    fake.failNext('/v1/customers', { status: 402, type: 'card_error', code: 'card_declined' });
    await providerError(new StartCheckout({ ...world, payments: gateway(world.clock) }).execute({ user }));
    expect(await world.subscriptions.findByUserId(user.id)).toBeNull();
  });
});
