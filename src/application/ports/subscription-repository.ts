import type { UserId } from '#domain/shared/ids.ts';
import type { Subscription } from '#domain/subscription/subscription.ts';

/**
 * Reads and writes inside one payment-event transaction. There, a subscription found is held until the transaction
 * ends, so a parallel event for it reads it only after this one is applied.
 */
export interface SubscriptionStore {
  findByUserId(userId: UserId): Promise<Subscription | null>;
  findByCustomerId(customerId: string): Promise<Subscription | null>;
  findBySubscriptionId(subscriptionId: string): Promise<Subscription | null>;
  /** Stores the whole subscription, unless the stored one does not accept its event (Subscription.accepts). */
  save(subscription: Subscription): Promise<void>;
}

/** Billing state per user, and the log of payment events applied. */
export interface SubscriptionRepository extends SubscriptionStore {
  /**
   * Links `customerId` to the user unless a customer is linked already (Subscription.linkCustomer), changing nothing
   * else (a status a webhook applied stays). Returns the customer now linked: this one, or the one linked first.
   */
  linkCustomer(userId: UserId, customerId: string, now: Date): Promise<string>;
  /**
   * Claims the event id and runs `apply` in the same transaction: an event id is applied once,
   * also when deliveries run in parallel; if `apply` throws, nothing is kept and the id is not claimed.
   */
  applyEventOnce(
    eventId: string,
    apply: (store: SubscriptionStore) => Promise<void>,
  ): Promise<'applied' | 'duplicate'>;
}
