import { LockMode, raw } from '@mikro-orm/core';
import type {
  SubscriptionRepository,
  SubscriptionStore,
} from '#application/ports/subscription-repository.ts';
import type { UserId } from '#domain/shared/ids.ts';
import type { Subscription } from '#domain/subscription/subscription.ts';
import type { EntityManagers } from './entity-managers.ts';
import { ProcessedPaymentEventSchema } from './schemas/processed-payment-event.schema.ts';
import { SubscriptionSchema } from './schemas/subscription.schema.ts';
import type { TableRows } from './table-rows.ts';
import { isUuid } from './uuid.ts';

/**
 * Subscription.linkCustomer as one statement: inserts the user's row with the customer or sets it on a row without
 * one; returns no row when one was linked already.
 */
const LINK_CUSTOMER = `
  insert into subscriptions (user_id, customer_id, cancel_at_period_end, updated_at) values (?, ?, false, ?)
  on conflict (user_id) do update set customer_id = excluded.customer_id, updated_at = excluded.updated_at
  where subscriptions.customer_id is null
  returning customer_id`;
const LINKED_CUSTOMER = 'select customer_id from subscriptions where user_id = ?';
/** The user's row exists before any subscription row; this lock leaves its foreign keys free to use. */
const LOCK_USER = 'select id from users where id = ? for no key update';

/**
 * Subscriptions read and upserted through `ems`: inside a transaction its statements join it (see EntityManagers),
 * outside one a read is a prepared statement (the tier every send reads). With `lockMode`, each row read stays
 * locked until commit.
 */
class PostgresSubscriptionStore implements SubscriptionStore {
  protected readonly ems: EntityManagers;
  protected readonly subscriptions: TableRows<Subscription>;
  private readonly lockMode: LockMode.PESSIMISTIC_WRITE | undefined;

  constructor(
    ems: EntityManagers,
    subscriptions: TableRows<Subscription>,
    lockMode?: LockMode.PESSIMISTIC_WRITE,
  ) {
    this.ems = ems;
    this.subscriptions = subscriptions;
    this.lockMode = lockMode;
  }

  async findByUserId(userId: UserId): Promise<Subscription | null> {
    if (!isUuid(userId)) return null;
    // With no subscription row yet there is none to lock, and two events would both insert one (the later failing
    // on the unique subscription id). Locking the user's row first makes them take turns here as well.
    if (this.lockMode) await this.ems.current().execute(LOCK_USER, [userId]);
    return this.one('user_id', userId);
  }

  findByCustomerId(customerId: string): Promise<Subscription | null> {
    return this.one('customer_id', customerId);
  }

  findBySubscriptionId(subscriptionId: string): Promise<Subscription | null> {
    return this.one('subscription_id', subscriptionId);
  }

  async save(subscription: Subscription): Promise<void> {
    await this.ems
      .current()
      .qb(SubscriptionSchema)
      .insert(subscription)
      .onConflict('userId')
      .merge()
      // Subscription.accepts as a WHERE clause, also right when the row was inserted after this one's read.
      .where(
        raw('subscriptions.last_event_at is null or subscriptions.last_event_at <= excluded.last_event_at'),
      )
      .execute('run');
  }

  private async one(
    column: 'user_id' | 'customer_id' | 'subscription_id',
    value: string,
  ): Promise<Subscription | null> {
    const lock = this.lockMode === LockMode.PESSIMISTIC_WRITE ? ' for update' : '';
    const sql = `${this.subscriptions.select} where ${column} = ? limit 1${lock}`;
    const [row] = await this.ems.query<Record<string, unknown>>(sql, [value]);
    return row ? this.subscriptions.fromRow(row) : null;
  }
}

/** Billing state per user, and the payment event ids already applied. */
export class PostgresSubscriptionRepository
  extends PostgresSubscriptionStore
  implements SubscriptionRepository
{
  constructor(ems: EntityManagers) {
    super(ems, ems.rowsOf(SubscriptionSchema));
  }

  async linkCustomer(userId: UserId, customerId: string, now: Date): Promise<string> {
    const em = this.ems.current();
    const [linked] = await em.execute<{ customer_id: string }[]>(LINK_CUSTOMER, [userId, customerId, now]);
    if (linked) return linked.customer_id;
    // A new statement sees the row committed by whoever linked first (the upsert waited for it).
    const [first] = await em.execute<{ customer_id: string }[]>(LINKED_CUSTOMER, [userId]);
    if (!first) throw new Error(`no subscription row for user ${userId} after linking a customer`);
    return first.customer_id;
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
      // Every row the event reads is locked (SELECT … FOR UPDATE): another event for the same subscription waits
      // for this commit, then reads what this one applied. Repository calls inside `apply` join this transaction
      // (see EntityManagers).
      await apply(new PostgresSubscriptionStore(this.ems, this.subscriptions, LockMode.PESSIMISTIC_WRITE));
      return 'applied';
    });
  }
}
