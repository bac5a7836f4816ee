import { describe, expect, it } from 'vitest';
import {
  isSubscriptionStatus,
  SUBSCRIPTION_STATUSES,
  Subscription,
  type SubscriptionStatus,
  tierOf,
} from '#domain/subscription/subscription.ts';

const now = new Date('2026-11-23T10:00:00.000Z');
const later = new Date('2026-11-23T11:00:00.000Z');

describe('tierOf', () => {
  const expected: Record<SubscriptionStatus, 'basic' | 'pro'> = {
    active: 'pro',
    trialing: 'pro',
    past_due: 'pro',
    incomplete: 'basic',
    incomplete_expired: 'basic',
    unpaid: 'basic',
    paused: 'basic',
    canceled: 'basic',
  };

  it.each(SUBSCRIPTION_STATUSES.map((status) => [status, expected[status]]))(
    'maps %s to %s',
    (status, tier) => {
      expect(tierOf(status as SubscriptionStatus)).toBe(tier);
    },
  );

  it('is basic for a user who never subscribed', () => {
    expect(tierOf(null)).toBe('basic');
    expect(Subscription.none('user-1', now).tier).toBe('basic');
  });

  it('recognizes only Stripe statuses', () => {
    expect(isSubscriptionStatus('past_due')).toBe(true);
    expect(isSubscriptionStatus('expired')).toBe(false);
  });
});

describe('Subscription.apply', () => {
  it('takes what the event says and remembers when it was created', () => {
    const subscription = Subscription.none('user-1', now);
    const applied = subscription.apply(
      {
        eventCreated: 200,
        customerId: 'cus_1',
        subscriptionId: 'sub_1',
        status: 'active',
        cancelAtPeriodEnd: true,
      },
      later,
    );
    expect(applied).toBe(true);
    expect(subscription).toMatchObject({
      customerId: 'cus_1',
      subscriptionId: 'sub_1',
      status: 'active',
      cancelAtPeriodEnd: true,
      lastEventAt: 200,
      updatedAt: later,
    });
    expect(subscription.tier).toBe('pro');
  });

  it('ignores an event older than the last one applied', () => {
    const subscription = Subscription.none('user-1', now);
    subscription.apply({ eventCreated: 200, status: 'canceled' }, now);
    expect(subscription.apply({ eventCreated: 100, status: 'active' }, later)).toBe(false);
    expect(subscription).toMatchObject({ status: 'canceled', lastEventAt: 200, updatedAt: now });
  });

  it('applies an event created in the same second as the last one', () => {
    const subscription = Subscription.none('user-1', now);
    subscription.apply({ eventCreated: 200, status: 'active' }, now);
    expect(subscription.apply({ eventCreated: 200, status: 'past_due' }, later)).toBe(true);
    expect(subscription.status).toBe('past_due');
  });

  it('keeps linked ids when an event does not carry them', () => {
    const subscription = Subscription.none('user-1', now);
    subscription.linkCustomer('cus_1', now);
    subscription.apply({ eventCreated: 100, subscriptionId: 'sub_1', status: 'active' }, now);
    subscription.apply(
      { eventCreated: 200, customerId: null, subscriptionId: null, status: 'past_due' },
      later,
    );
    expect(subscription).toMatchObject({ customerId: 'cus_1', subscriptionId: 'sub_1', status: 'past_due' });
  });
});
