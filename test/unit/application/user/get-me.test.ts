import { describe, expect, it } from 'vitest';
import { GetSubscriptionStatus } from '#application/billing/get-subscription-status.ts';
import { GetMe } from '#application/user/get-me.ts';
import { aSubscription } from '#test/support/builders.ts';
import { aWorld, givenUser } from '#test/support/world.ts';

describe('GetMe', () => {
  it("reports the user's tier and today's usage", async () => {
    const world = aWorld();
    const user = await givenUser(world);
    await world.usage.take(user.id, '2026-11-23', 5);
    await world.usage.take(user.id, '2026-11-22', 5);
    expect(await new GetMe(world).execute({ user })).toEqual({
      user,
      tier: 'basic',
      usage: {
        used: 1,
        limit: 5,
        remaining: 4,
        resetsAt: new Date('2026-11-24T00:00:00.000Z'),
        resetsInSeconds: 14 * 3600,
      },
    });
  });

  it('reports an unlimited Pro user without a limit', async () => {
    const world = aWorld({ quota: { basic: 5, pro: 0 } });
    const user = await givenUser(world);
    await world.subscriptions.save(aSubscription({ userId: user.id, status: 'active' }));
    expect(await new GetMe(world).execute({ user })).toMatchObject({
      tier: 'pro',
      usage: { limit: null, remaining: null },
    });
  });
});

describe('GetSubscriptionStatus', () => {
  it('reports a user who never subscribed as Basic with no status', async () => {
    const world = aWorld();
    const user = await givenUser(world);
    expect(await new GetSubscriptionStatus(world).execute({ user })).toMatchObject({
      tier: 'basic',
      status: null,
      currentPeriodEnd: null,
      cancelAtPeriodEnd: false,
      usage: { used: 0, limit: 5 },
    });
  });

  it('reports the subscription and the Pro limit', async () => {
    const world = aWorld();
    const user = await givenUser(world);
    const subscription = aSubscription({ userId: user.id, status: 'past_due', cancelAtPeriodEnd: true });
    await world.subscriptions.save(subscription);
    expect(await new GetSubscriptionStatus(world).execute({ user })).toMatchObject({
      tier: 'pro',
      status: 'past_due',
      currentPeriodEnd: subscription.currentPeriodEnd,
      cancelAtPeriodEnd: true,
      usage: { limit: 500 },
    });
  });
});
