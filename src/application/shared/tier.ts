import type { UserId } from '#domain/shared/ids.ts';
import { type Tier, tierOf } from '#domain/subscription/subscription.ts';
import type { SubscriptionStore } from '../ports/subscription-repository.ts';

export async function tierOfUser(subscriptions: SubscriptionStore, userId: UserId): Promise<Tier> {
  const subscription = await subscriptions.findByUserId(userId);
  return tierOf(subscription?.status ?? null);
}
