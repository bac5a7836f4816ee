import type {
  SubscriptionRepository,
  SubscriptionStore,
} from '#application/ports/subscription-repository.ts';
import type { UserId } from '#domain/shared/ids.ts';
import type { Subscription } from '#domain/subscription/subscription.ts';
import type { EntityManagers } from './entity-managers.ts';
import { ProcessedPaymentEventSchema } from './schemas/processed-payment-event.schema.ts';
import { SubscriptionSchema } from './schemas/subscription.schema.ts';

/** Billing state per user, and the payment event ids already applied. */
export class MikroOrmSubscriptionRepository implements SubscriptionRepository {
  private readonly ems: EntityManagers;

  constructor(ems: EntityManagers) {
    this.ems = ems;
  }

  findByUserId(userId: UserId): Promise<Subscription | null> {
    return this.ems.current().findOne(SubscriptionSchema, { userId }, { disableIdentityMap: true });
  }

  findByCustomerId(customerId: string): Promise<Subscription | null> {
    return this.ems.current().findOne(SubscriptionSchema, { customerId }, { disableIdentityMap: true });
  }

  findBySubscriptionId(subscriptionId: string): Promise<Subscription | null> {
    return this.ems.current().findOne(SubscriptionSchema, { subscriptionId }, { disableIdentityMap: true });
  }

  async save(subscription: Subscription): Promise<void> {
    await this.ems
      .current()
      .qb(SubscriptionSchema)
      .insert(subscription)
      .onConflict('userId')
      .merge()
      .execute('run');
  }

  applyEventOnce(
    eventId: string,
    apply: (store: SubscriptionStore) => Promise<void>,
  ): Promise<'applied' | 'duplicate'> {
    return this.ems.current().transactional(async (em) => {
      // The claim waits on a parallel delivery's uncommitted claim of the same id, then skips it once that commits.
      const claim = await em
        .qb(ProcessedPaymentEventSchema)
        .insert({ eventId, processedAt: new Date() })
        .onConflict('eventId')
        .ignore()
        .execute('run');
      if (claim.affectedRows === 0) return 'duplicate';
      // Every repository call inside `apply` runs in this transaction (see EntityManagers).
      await apply(this);
      return 'applied';
    });
  }
}
