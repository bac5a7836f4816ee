import type { Usage } from '#domain/quota/daily-quota.ts';
import type { SubscriptionStatus, Tier } from '#domain/subscription/subscription.ts';
import { tierOf } from '#domain/subscription/subscription.ts';
import type { User } from '#domain/user/user.ts';
import type { Clock } from '../ports/clock.ts';
import type { SubscriptionStore } from '../ports/subscription-repository.ts';
import type { UsageCounter } from '../ports/usage-counter.ts';
import type { Settings } from '../shared/settings.ts';
import { currentUsage } from '../shared/usage.ts';

export interface SubscriptionStatusView {
  tier: Tier;
  status: SubscriptionStatus | null;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  usage: Usage;
}

export class GetSubscriptionStatus {
  private readonly deps: {
    subscriptions: SubscriptionStore;
    usage: UsageCounter;
    clock: Clock;
    settings: Settings;
  };

  constructor(deps: {
    subscriptions: SubscriptionStore;
    usage: UsageCounter;
    clock: Clock;
    settings: Settings;
  }) {
    this.deps = deps;
  }

  async execute(input: { user: User }): Promise<SubscriptionStatusView> {
    const { subscriptions, usage, clock, settings } = this.deps;
    const subscription = await subscriptions.findByUserId(input.user.id);
    const tier = tierOf(subscription?.status ?? null);
    return {
      tier,
      status: subscription?.status ?? null,
      currentPeriodEnd: subscription?.currentPeriodEnd ?? null,
      cancelAtPeriodEnd: subscription?.cancelAtPeriodEnd ?? false,
      usage: await currentUsage(usage, settings, input.user.id, tier, clock.now()),
    };
  }
}
