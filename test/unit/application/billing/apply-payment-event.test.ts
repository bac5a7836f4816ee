import { describe, expect, it } from 'vitest';
import { ApplyPaymentEvent } from '#application/billing/apply-payment-event.ts';
import { GetSubscriptionStatus } from '#application/billing/get-subscription-status.ts';
import {
  InvalidSignature,
  type PaymentEvent,
  type PaymentEventVerifier,
} from '#application/ports/payment-gateway.ts';
import type { UserRepository } from '#application/ports/user-repository.ts';
import { SUBSCRIPTION_STATUSES, type SubscriptionStatus } from '#domain/subscription/subscription.ts';
import { aBuiltId } from '#test/support/builders.ts';
import { aWorld, givenUser } from '#test/support/world.ts';

/** Accepts the signature "valid" and hands back the event it was given. */
function verifierOf(event: PaymentEvent): PaymentEventVerifier {
  return {
    verify: (_rawBody, signature) => {
      if (signature !== 'valid') throw new InvalidSignature('forged');
      return event;
    },
  };
}

const noEvent = verifierOf({ id: 'evt_none', created: 0, kind: 'ignored', type: 'none' });

async function setUp() {
  const world = aWorld();
  const user = await givenUser(world);
  const applier = new ApplyPaymentEvent({ ...world, verifier: noEvent });
  const status = () => new GetSubscriptionStatus(world).execute({ user });
  return { world, user, apply: (event: PaymentEvent) => applier.apply(event), status };
}

function checkoutCompleted(userId: string, created = 1_000, subscriptionId = 'sub_1'): PaymentEvent {
  return {
    id: aBuiltId(),
    created,
    kind: 'checkout_completed',
    userId,
    customerId: 'cus_1',
    subscriptionId,
  };
}

function subscriptionChanged(
  status: SubscriptionStatus,
  created: number,
  userId: string | null = null,
  subscriptionId = 'sub_1',
): PaymentEvent {
  return {
    id: aBuiltId(),
    created,
    kind: 'subscription_changed',
    userId,
    customerId: 'cus_1',
    subscriptionId,
    status,
    currentPeriodEnd: new Date('2026-12-23T10:00:00.000Z'),
    cancelAtPeriodEnd: false,
  };
}

describe('ApplyPaymentEvent', () => {
  it('makes the user Pro when checkout completes, linking customer and subscription', async () => {
    const { world, user, apply, status } = await setUp();
    expect(await apply(checkoutCompleted(user.id))).toBe('applied');
    expect(await status()).toMatchObject({ tier: 'pro', status: 'active' });
    expect(await world.subscriptions.findByUserId(user.id)).toMatchObject({
      customerId: 'cus_1',
      subscriptionId: 'sub_1',
    });
  });

  it('applies an event id once; a redelivery changes nothing', async () => {
    const { user, apply, status } = await setUp();
    await apply(checkoutCompleted(user.id, 1_000));
    const cancel = subscriptionChanged('canceled', 2_000);
    expect(await apply(cancel)).toBe('applied');
    await apply(subscriptionChanged('active', 2_000));
    expect(await apply(cancel)).toBe('duplicate');
    expect((await status()).status).toBe('active');
  });

  it('keeps nothing when applying fails, so the redelivery Stripe makes applies it', async () => {
    const { world, user, status } = await setUp();
    const event = checkoutCompleted(user.id);
    let failing = true;
    const flakyUsers: UserRepository = Object.assign(Object.create(world.users), {
      findById: async (id: string) => {
        if (failing) throw new Error('database connection lost');
        return world.users.findById(id);
      },
    });
    const applier = new ApplyPaymentEvent({ ...world, users: flakyUsers, verifier: noEvent });

    await expect(applier.apply(event)).rejects.toThrow('database connection lost');
    expect(await status()).toMatchObject({ tier: 'basic', status: null });

    failing = false;
    expect(await applier.apply(event)).toBe('applied');
    expect(await status()).toMatchObject({ tier: 'pro', status: 'active' });
  });

  it('ignores a subscription event older than the last one applied', async () => {
    const { user, apply, status } = await setUp();
    await apply(checkoutCompleted(user.id, 1_000));
    await apply(subscriptionChanged('canceled', 3_000));
    expect(await apply(subscriptionChanged('active', 2_000))).toBe('applied');
    expect(await status()).toMatchObject({ tier: 'basic', status: 'canceled' });
  });

  it.each(
    SUBSCRIPTION_STATUSES.map((status) => [
      status,
      ['active', 'trialing', 'past_due'].includes(status) ? 'pro' : 'basic',
    ]),
  )('a subscription %s makes the user %s', async (subscriptionStatus, tier) => {
    const { user, apply, status } = await setUp();
    await apply(checkoutCompleted(user.id, 1_000));
    await apply(subscriptionChanged(subscriptionStatus as SubscriptionStatus, 2_000));
    expect(await status()).toMatchObject({ tier, status: subscriptionStatus });
  });

  it('marks the subscription past due when a payment fails, keeping Pro', async () => {
    const { user, apply, status } = await setUp();
    await apply(checkoutCompleted(user.id, 1_000));
    await apply({
      id: aBuiltId(),
      created: 2_000,
      kind: 'payment_failed',
      customerId: 'cus_1',
      subscriptionId: null,
    });
    expect(await status()).toMatchObject({ tier: 'pro', status: 'past_due' });
  });

  it('keeps a user Pro who cancels one of two subscriptions while paying for the linked one, and logs it', async () => {
    const { world, user, apply, status } = await setUp();
    await apply(checkoutCompleted(user.id, 1_000, 'sub_1'));

    expect(await apply(subscriptionChanged('canceled', 2_000, user.id, 'sub_2'))).toBe('applied');

    expect(await status()).toMatchObject({ tier: 'pro', status: 'active' });
    expect(await world.subscriptions.findByUserId(user.id)).toMatchObject({
      subscriptionId: 'sub_1',
      lastEventAt: 1_000,
    });
    expect(world.logger.messages('warn')).toEqual([
      'payment event concerns another subscription than the linked one',
    ]);
  });

  it('leaves the linked subscription active when a payment of an old subscription fails', async () => {
    const { world, user, apply, status } = await setUp();
    await apply(checkoutCompleted(user.id, 1_000, 'sub_old'));
    await apply(subscriptionChanged('canceled', 2_000, user.id, 'sub_old'));
    await apply(checkoutCompleted(user.id, 3_000, 'sub_new'));

    await apply({
      id: aBuiltId(),
      created: 4_000,
      kind: 'payment_failed',
      customerId: 'cus_1',
      subscriptionId: 'sub_old',
    });

    expect(await status()).toMatchObject({ tier: 'pro', status: 'active' });
    expect((await world.subscriptions.findByUserId(user.id))?.subscriptionId).toBe('sub_new');
    expect(world.logger.messages('warn')).toEqual([
      'payment event concerns another subscription than the linked one',
    ]);
  });

  it('links the subscription of a new checkout, then ignores the one it replaced', async () => {
    const { world, user, apply, status } = await setUp();
    await apply(checkoutCompleted(user.id, 1_000, 'sub_1'));
    await apply(checkoutCompleted(user.id, 2_000, 'sub_2'));

    await apply(subscriptionChanged('canceled', 3_000, user.id, 'sub_1'));

    expect(await status()).toMatchObject({ tier: 'pro', status: 'active' });
    expect((await world.subscriptions.findByUserId(user.id))?.subscriptionId).toBe('sub_2');
  });

  it('links a new subscription reported by an update once the linked one is no longer paid for', async () => {
    const { world, user, apply, status } = await setUp();
    await apply(checkoutCompleted(user.id, 1_000, 'sub_1'));
    await apply(subscriptionChanged('canceled', 2_000, user.id, 'sub_1'));

    await apply(subscriptionChanged('active', 3_000, user.id, 'sub_2'));

    expect(await status()).toMatchObject({ tier: 'pro', status: 'active' });
    expect((await world.subscriptions.findByUserId(user.id))?.subscriptionId).toBe('sub_2');
  });

  it('finds the user by the event metadata when nothing is linked yet', async () => {
    const { user, apply, status } = await setUp();
    expect(await apply(subscriptionChanged('trialing', 1_000, user.id))).toBe('applied');
    expect(await status()).toMatchObject({ tier: 'pro', status: 'trialing' });
  });

  it('changes nothing for an event that names no known user, and logs it', async () => {
    const { world, user, apply } = await setUp();
    const stranger = checkoutCompleted(aBuiltId());
    expect(await apply(stranger)).toBe('applied');
    expect(await world.subscriptions.findByCustomerId('cus_1')).toBeNull();
    expect(await world.subscriptions.findByUserId(user.id)).toBeNull();
    expect(world.logger.messages('warn')).toEqual(['payment event names no known user']);
  });

  it('answers ignored for an event type it does not handle', async () => {
    const { apply } = await setUp();
    expect(await apply({ id: 'evt_x', created: 1, kind: 'ignored', type: 'charge.refunded' })).toBe(
      'ignored',
    );
  });

  it('checks the signature before anything else', async () => {
    const { world, user } = await setUp();
    const applier = new ApplyPaymentEvent({ ...world, verifier: verifierOf(checkoutCompleted(user.id)) });
    await expect(applier.execute({ rawBody: '{}', signature: 'forged' })).rejects.toBeInstanceOf(
      InvalidSignature,
    );
    expect(await world.subscriptions.findByUserId(user.id)).toBeNull();
    expect(await applier.execute({ rawBody: '{}', signature: 'valid' })).toBe('applied');
  });
});
