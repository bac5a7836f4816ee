import type { AccountStanding, AccountStandings } from '#application/ports/account-standings.ts';
import type { SubscriptionStore } from '#application/ports/subscription-repository.ts';
import type { UsageCounter } from '#application/ports/usage-counter.ts';
import type { UserId } from '#domain/shared/ids.ts';

/** The two in-process stores read one after the other (nothing to save: no round trips). */
export class InMemoryAccountStandings implements AccountStandings {
  private readonly subscriptions: SubscriptionStore;
  private readonly usage: UsageCounter;

  constructor(subscriptions: SubscriptionStore, usage: UsageCounter) {
    this.subscriptions = subscriptions;
    this.usage = usage;
  }

  async standing(userId: UserId, day: string): Promise<AccountStanding> {
    const subscription = await this.subscriptions.findByUserId(userId);
    return { subscriptionStatus: subscription?.status ?? null, used: await this.usage.used(userId, day) };
  }
}
