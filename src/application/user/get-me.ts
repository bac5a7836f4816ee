import type { Usage } from '#domain/quota/daily-quota.ts';
import type { User } from '#domain/user/user.ts';
import type { Account } from '../auth/session.ts';
import type { Clock } from '../ports/clock.ts';
import type { SubscriptionStore } from '../ports/subscription-repository.ts';
import type { UsageCounter } from '../ports/usage-counter.ts';
import type { Settings } from '../shared/settings.ts';
import { tierOfUser } from '../shared/tier.ts';
import { currentUsage } from '../shared/usage.ts';

export interface GetMeDeps {
  subscriptions: SubscriptionStore;
  usage: UsageCounter;
  clock: Clock;
  settings: Settings;
}

export class GetMe {
  private readonly deps: GetMeDeps;

  constructor(deps: GetMeDeps) {
    this.deps = deps;
  }

  async execute(input: { user: User }): Promise<Account & { usage: Usage }> {
    const { subscriptions, usage, clock, settings } = this.deps;
    const tier = await tierOfUser(subscriptions, input.user.id);
    return {
      user: input.user,
      tier,
      usage: await currentUsage(usage, settings, input.user.id, tier, clock.now()),
    };
  }
}
