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
    expect(applied).toMatchObject({
      customerId: 'cus_1',
      subscriptionId: 'sub_1',
      status: 'active',
      cancelAtPeriodEnd: true,
      lastEventAt: 200,
      updatedAt: later,
    });
    expect(applied?.tier).toBe('pro');
    expect(subscription).toMatchObject({ status: null, lastEventAt: null, updatedAt: now });
  });

  it('refuses an event older than the last one applied', () => {
    const canceled = Subscription.none('user-1', now).apply({ eventCreated: 200, status: 'canceled' }, now)!;
    expect(canceled.accepts(100)).toBe(false);
    expect(canceled.apply({ eventCreated: 100, status: 'active' }, later)).toBeNull();
  });

  it('applies an event created in the same second as the last one', () => {
    const active = Subscription.none('user-1', now).apply({ eventCreated: 200, status: 'active' }, now)!;
    expect(active.accepts(200)).toBe(true);
    expect(active.apply({ eventCreated: 200, status: 'past_due' }, later)?.status).toBe('past_due');
  });

  it('lets any event replace a state no event made, and no eventless state replace an event', () => {
    const none = Subscription.none('user-1', now);
    expect(none.accepts(1)).toBe(true);
    expect(none.accepts(null)).toBe(true);
    expect(none.apply({ eventCreated: 1, status: 'active' }, now)!.accepts(null)).toBe(false);
  });

  it('keeps linked ids when an event does not carry them', () => {
    const linked = Subscription.none('user-1', now)
      .linkCustomer('cus_1', now)
      .apply({ eventCreated: 100, subscriptionId: 'sub_1', status: 'active' }, now)!;
    const changed = linked.apply(
      { eventCreated: 200, customerId: null, subscriptionId: null, status: 'past_due' },
      later,
    );
    expect(changed).toMatchObject({ customerId: 'cus_1', subscriptionId: 'sub_1', status: 'past_due' });
  });
});

describe('Subscription.linkCustomer', () => {
  it('links a customer to a subscription without one, and keeps the one linked first', () => {
    const linked = Subscription.none('user-1', now).linkCustomer('cus_1', later);
    expect(linked).toMatchObject({ customerId: 'cus_1', updatedAt: later });
    expect(linked.linkCustomer('cus_2', later)).toMatchObject({ customerId: 'cus_1' });
  });
});
