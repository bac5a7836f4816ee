import type { UserId } from '#domain/shared/ids.ts';
import { Subscription, type SubscriptionChange } from '#domain/subscription/subscription.ts';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { PaymentEvent, PaymentEventVerifier } from '../ports/payment-gateway.ts';
import type { SubscriptionRepository, SubscriptionStore } from '../ports/subscription-repository.ts';
import type { UserRepository } from '../ports/user-repository.ts';

export interface ApplyPaymentEventDeps {
  verifier: PaymentEventVerifier;
  subscriptions: SubscriptionRepository;
  users: UserRepository;
  clock: Clock;
  logger: Logger;
}

export type ApplyOutcome = 'applied' | 'duplicate' | 'ignored';

type SubscriptionEvent = Exclude<PaymentEvent, { kind: 'ignored' }>;

/**
 * A verified webhook event, applied once per event id in one transaction with the state change.
 * Events older than the last one applied to the subscription change nothing, and so do events about another
 * subscription of the user than the linked one while that one is paid for.
 */
export class ApplyPaymentEvent {
  private readonly deps: ApplyPaymentEventDeps;

  constructor(deps: ApplyPaymentEventDeps) {
    this.deps = deps;
  }

  async execute(input: { rawBody: string; signature: string | undefined }): Promise<ApplyOutcome> {
    const event = this.deps.verifier.verify(input.rawBody, input.signature);
    return this.apply(event);
  }

  async apply(event: PaymentEvent): Promise<ApplyOutcome> {
    if (event.kind === 'ignored') return 'ignored';
    const change = toChange(event);
    let skipped = null as string | null;
    const outcome = await this.deps.subscriptions.applyEventOnce(event.id, async (store) => {
      const subscription = await this.findSubscription(store, event);
      if (!subscription) {
        skipped = 'payment event names no known user';
        return;
      }
      if (concernsAnotherSubscription(subscription, event)) {
        skipped = 'payment event concerns another subscription than the linked one';
        return;
      }
      const applied = subscription.apply(change, this.deps.clock.now());
      if (applied) await store.save(applied);
    });
    if (skipped !== null) {
      this.deps.logger.warn(
        { eventId: event.id, kind: event.kind, subscriptionId: event.subscriptionId },
        skipped,
      );
    }
    return outcome;
  }

  private async findSubscription(store: SubscriptionStore, event: SubscriptionEvent) {
    const bySubscription = event.subscriptionId
      ? await store.findBySubscriptionId(event.subscriptionId)
      : null;
    if (bySubscription) return bySubscription;
    const userId = 'userId' in event ? event.userId : null;
    if (userId && (await this.deps.users.findById(userId))) {
      return (await store.findByUserId(userId)) ?? Subscription.none(userId as UserId, this.deps.clock.now());
    }
    return event.customerId ? store.findByCustomerId(event.customerId) : null;
  }
}

/**
 * Whether the event is about another of the user's subscriptions than the linked one, which it must leave alone.
 * Only a completed checkout links a new subscription; an update links one once the linked one is no longer paid
 * for (a new subscription may be reported before its checkout); a failed payment carries no state to link with.
 */
function concernsAnotherSubscription(subscription: Subscription, event: SubscriptionEvent): boolean {
  if (event.kind === 'checkout_completed') return false;
  const linked = subscription.subscriptionId;
  if (!event.subscriptionId || !linked || event.subscriptionId === linked) return false;
  return event.kind === 'payment_failed' || subscription.tier === 'pro';
}

function toChange(event: SubscriptionEvent): SubscriptionChange {
  switch (event.kind) {
    case 'checkout_completed':
      return {
        eventCreated: event.created,
        customerId: event.customerId,
        subscriptionId: event.subscriptionId,
        status: 'active',
      };
    case 'subscription_changed':
      return {
        eventCreated: event.created,
        customerId: event.customerId,
        subscriptionId: event.subscriptionId,
        status: event.status,
        currentPeriodEnd: event.currentPeriodEnd,
        cancelAtPeriodEnd: event.cancelAtPeriodEnd,
      };
    case 'payment_failed':
      return { eventCreated: event.created, status: 'past_due' };
  }
}
