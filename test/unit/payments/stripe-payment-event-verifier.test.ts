import { describe, expect, it } from 'vitest';
import {
  aCheckoutSession,
  anInvoice,
  aStripeEvent,
  aSubscription,
  signStripeEvent,
} from '#adapters/payments/stripe-events.ts';
import { StripePaymentEventVerifier } from '#adapters/payments/stripe-payment-event-verifier.ts';
import { InvalidSignature } from '#application/ports/payment-gateway.ts';
import { DomainError } from '#domain/shared/domain-error.ts';
import { SUBSCRIPTION_STATUSES, tierOf } from '#domain/subscription/subscription.ts';
import { sequentialId } from '#test/support/ids.ts';

const SECRET = 'whsec_test_secret';
const USER = sequentialId(1);
const verifier = new StripePaymentEventVerifier(SECRET);
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The raw body of event evt_1, created at 1_790_000_000; `overrides` replace envelope fields. */
function event(type: string, object: object, overrides: Record<string, unknown> = {}) {
  return JSON.stringify({
    ...aStripeEvent(type, object, { eventId: 'evt_1', created: 1_790_000_000 }),
    ...overrides,
  });
}

function sign(payload: string, options: { secret?: string; timestamp?: number } = {}): string {
  return signStripeEvent(payload, options.secret ?? SECRET, options).signature;
}

function verified(payload: string) {
  return verifier.verify(payload, sign(payload));
}

/** The code the webhook answers a refused delivery with. */
function errorCode(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidSignature) return 'INVALID_SIGNATURE';
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  throw new Error('expected a refusal');
}

const subscriptionObject = (fields: Record<string, unknown> = {}) => ({
  ...aSubscription({ id: 'sub_1', customer: 'cus_1', userId: USER, periodEnd: 1_792_000_000 }),
  ...fields,
});

describe('StripePaymentEventVerifier: signatures', () => {
  const body = event('customer.subscription.updated', subscriptionObject());

  it('accepts a body signed with the webhook secret', () => {
    expect(verifier.verify(body, sign(body)).kind).toBe('subscription_changed');
  });

  it('refuses a missing signature header', () => {
    expect(errorCode(() => verifier.verify(body, undefined))).toBe('INVALID_SIGNATURE');
    expect(errorCode(() => verifier.verify(body, ''))).toBe('INVALID_SIGNATURE');
  });

  it('refuses a signature made with another secret', () => {
    expect(errorCode(() => verifier.verify(body, sign(body, { secret: 'whsec_other' })))).toBe(
      'INVALID_SIGNATURE',
    );
  });

  it('refuses everything when no webhook secret is configured, even a body signed with an empty key', () => {
    const unconfigured = new StripePaymentEventVerifier('');
    expect(errorCode(() => unconfigured.verify(body, sign(body, { secret: '' })))).toBe('INVALID_SIGNATURE');
  });

  it('refuses a garbled header', () => {
    expect(errorCode(() => verifier.verify(body, 'not-a-signature'))).toBe('INVALID_SIGNATURE');
  });

  it('refuses a body changed after signing', () => {
    const signature = sign(body);
    const tampered = body.replace('"active"', '"canceled"');
    expect(errorCode(() => verifier.verify(tampered, signature))).toBe('INVALID_SIGNATURE');
  });

  it('refuses a signature older than 300 seconds and accepts one just inside the window', () => {
    expect(errorCode(() => verifier.verify(body, sign(body, { timestamp: nowSeconds() - 301 })))).toBe(
      'INVALID_SIGNATURE',
    );
    expect(verifier.verify(body, sign(body, { timestamp: nowSeconds() - 290 })).kind).toBe(
      'subscription_changed',
    );
  });

  it('accepts a header with two v1 signatures when one of them matches (secret rotation)', () => {
    const good = sign(body);
    const timestamp = good.split(',')[0];
    const valid = good.split(',')[1];
    expect(verifier.verify(body, `${timestamp},v1=${'0'.repeat(64)},${valid}`).kind).toBe(
      'subscription_changed',
    );
    expect(
      errorCode(() => verifier.verify(body, `${timestamp},v1=${'0'.repeat(64)},v1=${'1'.repeat(64)}`)),
    ).toBe('INVALID_SIGNATURE');
  });
});

describe('StripePaymentEventVerifier: malformed signed bodies', () => {
  it('answers VALIDATION_FAILED for a signed body that is not JSON', () => {
    expect(errorCode(() => verified('not json'))).toBe('VALIDATION_FAILED');
  });

  it.each([
    ['no id', { id: undefined }],
    ['no type', { type: undefined }],
    ['no created', { created: undefined }],
    ['a text created', { created: 'yesterday' }],
  ])('answers VALIDATION_FAILED for an event with %s', (_name, overrides) => {
    expect(
      errorCode(() => verified(event('customer.subscription.updated', subscriptionObject(), overrides))),
    ).toBe('VALIDATION_FAILED');
  });

  it('answers VALIDATION_FAILED for a known event type whose object is malformed', () => {
    expect(errorCode(() => verified(event('customer.subscription.updated', { status: 'active' })))).toBe(
      'VALIDATION_FAILED',
    );
    expect(errorCode(() => verified(event('checkout.session.completed', { customer: 'cus_1' })))).toBe(
      'VALIDATION_FAILED',
    );
    const notAnObject = event('invoice.payment_failed', {}, { data: { object: 'in_1' } });
    expect(errorCode(() => verified(notAnObject))).toBe('VALIDATION_FAILED');
  });

  it('answers VALIDATION_FAILED for ids longer than the 255 characters Stripe documents', () => {
    const long = 'x'.repeat(300);
    const checkout = {
      mode: 'subscription',
      client_reference_id: USER,
      customer: 'cus_1',
      subscription: 'sub_1',
    };
    expect(errorCode(() => verified(event('invoice.paid', {}, { id: `evt_${long}` })))).toBe(
      'VALIDATION_FAILED',
    );
    expect(
      errorCode(() =>
        verified(event('checkout.session.completed', { ...checkout, customer: `cus_${long}` })),
      ),
    ).toBe('VALIDATION_FAILED');
    expect(
      errorCode(() =>
        verified(event('checkout.session.completed', { ...checkout, subscription: { id: long } })),
      ),
    ).toBe('VALIDATION_FAILED');
    expect(
      errorCode(() =>
        verified(event('customer.subscription.updated', subscriptionObject({ id: `sub_${long}` }))),
      ),
    ).toBe('VALIDATION_FAILED');
    expect(verified(event('invoice.paid', {}, { id: `evt_${'x'.repeat(251)}` })).id).toHaveLength(255);
  });

  it('answers VALIDATION_FAILED for a subscription status Stripe does not have', () => {
    expect(
      errorCode(() =>
        verified(event('customer.subscription.updated', subscriptionObject({ status: 'frozen' }))),
      ),
    ).toBe('VALIDATION_FAILED');
  });
});

describe('StripePaymentEventVerifier: checkout.session.completed', () => {
  const session = (fields: Record<string, unknown> = {}) => ({
    ...aCheckoutSession({ sessionId: 'cs_1', userId: USER, customer: 'cus_1', subscription: 'sub_1' }),
    ...fields,
  });

  it('links the user, the customer and the subscription', () => {
    expect(verified(event('checkout.session.completed', session()))).toEqual({
      id: 'evt_1',
      created: 1_790_000_000,
      kind: 'checkout_completed',
      userId: USER,
      customerId: 'cus_1',
      subscriptionId: 'sub_1',
    });
  });

  it('reads expanded customer and subscription objects', () => {
    const expanded = session({
      customer: { id: 'cus_2', object: 'customer' },
      subscription: { id: 'sub_2' },
    });
    expect(verified(event('checkout.session.completed', expanded))).toMatchObject({
      customerId: 'cus_2',
      subscriptionId: 'sub_2',
    });
  });

  it('finds the user in metadata.userId when client_reference_id is missing or not one of ours', () => {
    expect(
      verified(event('checkout.session.completed', session({ client_reference_id: null }))),
    ).toMatchObject({ userId: USER });
    expect(
      verified(event('checkout.session.completed', session({ client_reference_id: 'order-42' }))),
    ).toMatchObject({
      userId: USER,
    });
    expect(
      verified(event('checkout.session.completed', session({ client_reference_id: null, metadata: {} }))),
    ).toMatchObject({ kind: 'checkout_completed', userId: null, customerId: 'cus_1' });
  });

  it('ignores a checkout that is not for a subscription', () => {
    expect(
      verified(event('checkout.session.completed', session({ mode: 'payment', subscription: null }))),
    ).toMatchObject({
      kind: 'ignored',
      type: 'checkout.session.completed',
    });
  });
});

describe('StripePaymentEventVerifier: customer.subscription.*', () => {
  it.each([
    'customer.subscription.created',
    'customer.subscription.updated',
    'customer.subscription.deleted',
  ])('maps %s to a subscription change', (type) => {
    const status = type.endsWith('deleted') ? 'canceled' : 'active';
    expect(verified(event(type, subscriptionObject({ status, cancel_at_period_end: true })))).toEqual({
      id: 'evt_1',
      created: 1_790_000_000,
      kind: 'subscription_changed',
      userId: USER,
      customerId: 'cus_1',
      subscriptionId: 'sub_1',
      status,
      currentPeriodEnd: new Date(1_792_000_000 * 1000),
      cancelAtPeriodEnd: true,
    });
  });

  it.each(SUBSCRIPTION_STATUSES.map((status) => [status, tierOf(status)]))(
    'keeps status %s (tier %s)',
    (status, tier) => {
      const mapped = verified(event('customer.subscription.updated', subscriptionObject({ status })));
      expect(mapped).toMatchObject({ kind: 'subscription_changed', status });
      expect(tier).toBe(['active', 'trialing', 'past_due'].includes(status) ? 'pro' : 'basic');
    },
  );

  it('reads current_period_end from the subscription itself in older API versions', () => {
    const old = subscriptionObject({ current_period_end: 1_791_000_000, items: undefined });
    expect(verified(event('customer.subscription.updated', old))).toMatchObject({
      currentPeriodEnd: new Date(1_791_000_000_000),
    });
  });

  it('has no period end and no user when Stripe sends neither', () => {
    const bare = subscriptionObject({
      items: { data: [] },
      metadata: {},
      customer: { id: 'cus_9' },
      cancel_at_period_end: undefined,
    });
    expect(verified(event('customer.subscription.updated', bare))).toMatchObject({
      userId: null,
      customerId: 'cus_9',
      currentPeriodEnd: null,
      cancelAtPeriodEnd: false,
    });
  });
});

describe('StripePaymentEventVerifier: invoice.payment_failed', () => {
  it('reads the subscription from invoice.subscription (older API versions)', () => {
    expect(
      verified(
        event(
          'invoice.payment_failed',
          anInvoice({ customer: 'cus_1', subscription: 'sub_1', legacyShape: true }),
        ),
      ),
    ).toEqual({
      id: 'evt_1',
      created: 1_790_000_000,
      kind: 'payment_failed',
      customerId: 'cus_1',
      subscriptionId: 'sub_1',
    });
  });

  it('reads the subscription from invoice.parent.subscription_details (newer API versions)', () => {
    const invoice = anInvoice({ customer: 'cus_1', subscription: 'sub_1' });
    expect(verified(event('invoice.payment_failed', invoice))).toMatchObject({
      kind: 'payment_failed',
      subscriptionId: 'sub_1',
    });
  });

  it('ignores a failed one-off invoice that belongs to no subscription', () => {
    const invoice = anInvoice({ customer: 'cus_1' });
    expect(verified(event('invoice.payment_failed', invoice))).toMatchObject({ kind: 'ignored' });
  });
});

describe('StripePaymentEventVerifier: other events', () => {
  it('ignores event types it does not handle, whatever their object', () => {
    expect(verified(event('charge.succeeded', { id: 'ch_1', amount: 500 }))).toEqual({
      id: 'evt_1',
      created: 1_790_000_000,
      kind: 'ignored',
      type: 'charge.succeeded',
    });
    expect(verified(event('v2.core.event', {}, { data: undefined }))).toMatchObject({
      kind: 'ignored',
    });
  });
});
