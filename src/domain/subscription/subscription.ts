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
const PRO_STATUSES: ReadonlySet<SubscriptionStatus> = new Set(['active', 'trialing', 'past_due']);

export function tierOf(status: SubscriptionStatus | null): Tier {
  return status !== null && PRO_STATUSES.has(status) ? 'pro' : 'basic';
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
  userId: UserId;
  customerId: string | null;
  subscriptionId: string | null;
  status: SubscriptionStatus | null;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  lastEventAt: number | null;
  updatedAt: Date;

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

  linkCustomer(customerId: string, now: Date): void {
    this.customerId = customerId;
    this.updatedAt = now;
  }

  /** Applies a change from a payment event unless a newer event was applied already. Returns whether it applied. */
  apply(change: SubscriptionChange, now: Date): boolean {
    if (this.lastEventAt !== null && change.eventCreated < this.lastEventAt) return false;
    if (change.customerId) this.customerId = change.customerId;
    if (change.subscriptionId) this.subscriptionId = change.subscriptionId;
    if (change.status !== undefined) this.status = change.status;
    if (change.currentPeriodEnd !== undefined) this.currentPeriodEnd = change.currentPeriodEnd;
    if (change.cancelAtPeriodEnd !== undefined) this.cancelAtPeriodEnd = change.cancelAtPeriodEnd;
    this.lastEventAt = change.eventCreated;
    this.updatedAt = now;
    return true;
  }
}
