import type {
  SubscriptionRepository,
  SubscriptionStore,
} from '#application/ports/subscription-repository.ts';
import type { UserId } from '#domain/shared/ids.ts';
import { Subscription } from '#domain/subscription/subscription.ts';
import { copy, copyOrNull, type InMemoryStore } from './in-memory-store.ts';

/** Subscriptions read from `rows` and written to `writes`: the same map outside a transaction, a staging map inside. */
class MapSubscriptionStore implements SubscriptionStore {
  private readonly rows: () => Map<UserId, Subscription>;
  private readonly writes: Map<UserId, Subscription>;

  constructor(rows: () => Map<UserId, Subscription>, writes: Map<UserId, Subscription>) {
    this.rows = rows;
    this.writes = writes;
  }

  async findByUserId(userId: UserId): Promise<Subscription | null> {
    return copyOrNull(this.rows().get(userId));
  }

  async findByCustomerId(customerId: string): Promise<Subscription | null> {
    return copyOrNull(this.find((subscription) => subscription.customerId === customerId));
  }

  async findBySubscriptionId(subscriptionId: string): Promise<Subscription | null> {
    return copyOrNull(this.find((subscription) => subscription.subscriptionId === subscriptionId));
  }

  async save(subscription: Subscription): Promise<void> {
    const stored = this.rows().get(subscription.userId);
    if (!stored || stored.accepts(subscription.lastEventAt)) {
      this.writes.set(subscription.userId, copy(subscription));
    }
  }

  private find(matches: (subscription: Subscription) => boolean): Subscription | undefined {
    for (const subscription of this.rows().values()) if (matches(subscription)) return subscription;
    return undefined;
  }
}

/**
 * Payment events and customer links are applied one at a time (a promise-chain mutex), as the row lock an event
 * holds in PostgreSQL makes them wait. Inside an event the writes are staged and committed with the event id only
 * when `apply` returns, so a throw leaves nothing behind.
 */
export class InMemorySubscriptionRepository extends MapSubscriptionStore implements SubscriptionRepository {
  private readonly store: InMemoryStore;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(store: InMemoryStore) {
    super(() => store.subscriptions, store.subscriptions);
    this.store = store;
  }

  linkCustomer(userId: UserId, customerId: string, now: Date): Promise<string> {
    return this.alone(async () => {
      const stored = this.store.subscriptions.get(userId) ?? Subscription.none(userId, now);
      const linked = stored.linkCustomer(customerId, now);
      this.store.subscriptions.set(userId, copy(linked));
      return linked.customerId!;
    });
  }

  applyEventOnce(
    eventId: string,
    apply: (store: SubscriptionStore) => Promise<void>,
  ): Promise<'applied' | 'duplicate'> {
    return this.alone(() => this.applyAlone(eventId, apply));
  }

  private alone<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async applyAlone(
    eventId: string,
    apply: (store: SubscriptionStore) => Promise<void>,
  ): Promise<'applied' | 'duplicate'> {
    if (this.store.appliedEvents.has(eventId)) return 'duplicate';
    const staged = new Map<UserId, Subscription>();
    await apply(new MapSubscriptionStore(() => new Map([...this.store.subscriptions, ...staged]), staged));
    for (const [userId, subscription] of staged) this.store.subscriptions.set(userId, subscription);
    this.store.appliedEvents.add(eventId);
    return 'applied';
  }
}
