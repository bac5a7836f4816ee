import type { UserId } from '../shared/ids.ts';

export type Tier = 'basic' | 'pro';

/** Stripe's subscription statuses. */
export const SUBSCRIPTION_STATUSES = [
  'active',
  'trialing',
  'past_due',
  'incomplete',
  'incomplete_expired',
  'unpaid',
  'paused',
  'canceled',
] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

/** Pro while Stripe is being paid or still retrying the payment. */
export const PRO_STATUSES: readonly SubscriptionStatus[] = ['active', 'trialing', 'past_due'];

export function tierOf(status: SubscriptionStatus | null): Tier {
  return status !== null && PRO_STATUSES.includes(status) ? 'pro' : 'basic';
}

export function isSubscriptionStatus(value: string): value is SubscriptionStatus {
  return (SUBSCRIPTION_STATUSES as readonly string[]).includes(value);
}

export interface SubscriptionProps {
  userId: UserId;
  customerId: string | null;
  subscriptionId: string | null;
  status: SubscriptionStatus | null;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  /** `created` (Unix seconds) of the last payment event applied; older events change nothing. */
  lastEventAt: number | null;
  updatedAt: Date;
}

export interface SubscriptionChange {
  eventCreated: number;
  customerId?: string | null;
  subscriptionId?: string | null;
  status?: SubscriptionStatus;
  currentPeriodEnd?: Date | null;
  cancelAtPeriodEnd?: boolean;
}

/** A user's billing state, kept in sync with Stripe by webhook events. */
export class Subscription {
  readonly userId: UserId;
  readonly customerId: string | null;
  readonly subscriptionId: string | null;
  readonly status: SubscriptionStatus | null;
  readonly currentPeriodEnd: Date | null;
  readonly cancelAtPeriodEnd: boolean;
  readonly lastEventAt: number | null;
  readonly updatedAt: Date;

  constructor(props: SubscriptionProps) {
    this.userId = props.userId;
    this.customerId = props.customerId;
    this.subscriptionId = props.subscriptionId;
    this.status = props.status;
    this.currentPeriodEnd = props.currentPeriodEnd;
    this.cancelAtPeriodEnd = props.cancelAtPeriodEnd;
    this.lastEventAt = props.lastEventAt;
    this.updatedAt = props.updatedAt;
  }

  static none(userId: UserId, now: Date): Subscription {
    return new Subscription({
      userId,
      customerId: null,
      subscriptionId: null,
      status: null,
      currentPeriodEnd: null,
      cancelAtPeriodEnd: false,
      lastEventAt: null,
      updatedAt: now,
    });
  }

  get tier(): Tier {
    return tierOf(this.status);
  }

  /** Linked to the payment customer, unless one is linked already: the first link stays. */
  linkCustomer(customerId: string, now: Date): Subscription {
    return this.customerId ? this : new Subscription({ ...this, customerId, updatedAt: now });
  }

  /**
   * Whether the state of a payment event created at `eventCreated` (Unix seconds; null: no event) may replace this
   * one: an older event never replaces a newer one's state; one of the same second does.
   */
  accepts(eventCreated: number | null): boolean {
    return this.lastEventAt === null || (eventCreated !== null && eventCreated >= this.lastEventAt);
  }

  /** The state after a payment event's change; null when the event is older than the last one applied. */
  apply(change: SubscriptionChange, now: Date): Subscription | null {
    if (!this.accepts(change.eventCreated)) return null;
    return new Subscription({
      ...this,
      customerId: change.customerId || this.customerId,
      subscriptionId: change.subscriptionId || this.subscriptionId,
      status: change.status ?? this.status,
      currentPeriodEnd:
        change.currentPeriodEnd === undefined ? this.currentPeriodEnd : change.currentPeriodEnd,
      cancelAtPeriodEnd: change.cancelAtPeriodEnd ?? this.cancelAtPeriodEnd,
      lastEventAt: change.eventCreated,
      updatedAt: now,
    });
  }
}
