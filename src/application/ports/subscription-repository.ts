import type { UserId } from '#domain/shared/ids.ts';
import type { Subscription } from '#domain/subscription/subscription.ts';

/** Reads and writes inside one payment-event transaction. */
export interface SubscriptionStore {
  findByUserId(userId: UserId): Promise<Subscription | null>;
  findByCustomerId(customerId: string): Promise<Subscription | null>;
  findBySubscriptionId(subscriptionId: string): Promise<Subscription | null>;
  save(subscription: Subscription): Promise<void>;
}

/** Billing state per user, and the log of payment events applied. */
export interface SubscriptionRepository extends SubscriptionStore {
  /**
   * Claims the event id and runs `apply` in the same transaction: an event id is applied once,
   * also when deliveries run in parallel; if `apply` throws, nothing is kept and the id is not claimed.
   */
  applyEventOnce(
    eventId: string,
    apply: (store: SubscriptionStore) => Promise<void>,
  ): Promise<'applied' | 'duplicate'>;
}
