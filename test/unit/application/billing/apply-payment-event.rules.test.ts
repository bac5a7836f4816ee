import { describe, expect, it } from 'vitest';
import { ApplyPaymentEvent } from '#application/billing/apply-payment-event.ts';
import { GetSubscriptionStatus } from '#application/billing/get-subscription-status.ts';
import type { PaymentEvent } from '#application/ports/payment-gateway.ts';
import type { SubscriptionStatus } from '#domain/subscription/subscription.ts';
import { aBuiltId } from '#test/support/builders.ts';
import { aWorld, givenUser } from '#test/support/world.ts';

const PERIOD_END = new Date('2026-12-23T10:00:00.000Z');

async function setUp() {
  const world = aWorld();
  const user = await givenUser(world);
  const applier = new ApplyPaymentEvent({
    ...world,
    verifier: {
      verify: () => {
        throw new Error('events are applied directly');
      },
    },
  });
  return {
    world,
    user,
    apply: (event: PaymentEvent) => applier.apply(event),
    status: () => new GetSubscriptionStatus(world).execute({ user }),
  };
}

function checkoutCompleted(userId: string, created: number, subscriptionId = 'sub_1'): PaymentEvent {
  return { id: aBuiltId(), created, kind: 'checkout_completed', userId, customerId: 'cus_1', subscriptionId };
}

function subscriptionChanged(
  created: number,
  change: { status: SubscriptionStatus; cancelAtPeriodEnd?: boolean; customerId?: string | null },
): PaymentEvent {
  return {
    id: aBuiltId(),
    created,
    kind: 'subscription_changed',
    userId: null,
    customerId: change.customerId === undefined ? 'cus_1' : change.customerId,
    subscriptionId: 'sub_1',
    status: change.status,
    currentPeriodEnd: PERIOD_END,
    cancelAtPeriodEnd: change.cancelAtPeriodEnd ?? false,
  };
}

function paymentFailed(created: number, subscriptionId: string | null): PaymentEvent {
  return { id: aBuiltId(), created, kind: 'payment_failed', customerId: 'cus_1', subscriptionId };
}

describe('ApplyPaymentEvent rules', () => {
  it('shows a first subscription as renewing, not as set to cancel', async () => {
    const { user, apply, status } = await setUp();
    await apply(checkoutCompleted(user.id, 1_000));
    expect(await status()).toMatchObject({ tier: 'pro', cancelAtPeriodEnd: false });
  });

  it('keeps the period end and a pending cancellation when a payment fails', async () => {
    const { user, apply, status } = await setUp();
    await apply(checkoutCompleted(user.id, 1_000));
    await apply(subscriptionChanged(2_000, { status: 'active', cancelAtPeriodEnd: true }));

    await apply(paymentFailed(3_000, 'sub_1'));

    expect(await status()).toMatchObject({
      tier: 'pro',
      status: 'past_due',
      currentPeriodEnd: PERIOD_END,
      cancelAtPeriodEnd: true,
    });
  });

  it('finds the subscription by its id when the event names neither user nor customer', async () => {
    const { user, apply, status } = await setUp();
    await apply(checkoutCompleted(user.id, 1_000));

    await apply(subscriptionChanged(2_000, { status: 'canceled', customerId: null }));

    expect(await status()).toMatchObject({ tier: 'basic', status: 'canceled' });
  });

  it('never makes a user Pro again through a failed payment of a subscription other than the linked one', async () => {
    const { world, user, apply, status } = await setUp();
    await apply(checkoutCompleted(user.id, 1_000));
    await apply(subscriptionChanged(2_000, { status: 'canceled' }));

    await apply(paymentFailed(3_000, 'sub_other'));

    expect(await status()).toMatchObject({ tier: 'basic', status: 'canceled' });
    expect(world.logger.entries).toMatchObject([{ level: 'warn', fields: { subscriptionId: 'sub_other' } }]);
  });

  it('logs a skipped event with its id and kind so operators can find it at Stripe', async () => {
    const { world, apply } = await setUp();
    const stranger = checkoutCompleted(aBuiltId(), 1_000, 'sub_stranger');

    await apply(stranger);

    expect(world.logger.entries).toMatchObject([
      {
        level: 'warn',
        fields: { eventId: stranger.id, kind: 'checkout_completed', subscriptionId: 'sub_stranger' },
      },
    ]);
  });
});
