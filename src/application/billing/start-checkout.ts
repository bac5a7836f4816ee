import type { UserId } from '#domain/shared/ids.ts';
import { Subscription } from '#domain/subscription/subscription.ts';
import { AlreadySubscribed } from '#domain/subscription/subscription-errors.ts';
import type { User } from '#domain/user/user.ts';
import type { Clock } from '../ports/clock.ts';
import type { CheckoutSession, PaymentGateway } from '../ports/payment-gateway.ts';
import type { SubscriptionRepository } from '../ports/subscription-repository.ts';

export interface BillingDeps {
  subscriptions: SubscriptionRepository;
  payments: PaymentGateway;
  clock: Clock;
}

/** A checkout session for Pro, on the user's existing payment customer when there is one. */
export class StartCheckout {
  private readonly deps: BillingDeps;

  constructor(deps: BillingDeps) {
    this.deps = deps;
  }

  async execute(input: { user: User }): Promise<CheckoutSession> {
    const { subscriptions, payments } = this.deps;
    const userId: UserId = input.user.id;
    const subscription = await subscriptions.findByUserId(userId);
    if (subscription?.tier === 'pro') throw new AlreadySubscribed();
    const customerId = subscription?.customerId ?? (await this.linkNewCustomer(input.user, subscription));
    return payments.createCheckoutSession({ userId, customerId });
  }

  private async linkNewCustomer(user: User, existing: Subscription | null): Promise<string> {
    const now = this.deps.clock.now();
    const customerId = await this.deps.payments.createCustomer({ userId: user.id, mobile: user.mobile });
    const subscription = existing ?? Subscription.none(user.id, now);
    subscription.linkCustomer(customerId, now);
    await this.deps.subscriptions.save(subscription);
    return customerId;
  }
}
