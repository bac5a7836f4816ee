import type { UserId } from '#domain/shared/ids.ts';
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
    const customerId = subscription?.customerId ?? (await this.linkNewCustomer(input.user));
    return payments.createCheckoutSession({ userId, customerId });
  }

  /** Links only the customer: the subscription read above may be stale by now (a webhook may have applied since). */
  private async linkNewCustomer(user: User): Promise<string> {
    const customerId = await this.deps.payments.createCustomer({ userId: user.id, mobile: user.mobile });
    return this.deps.subscriptions.linkCustomer(user.id, customerId, this.deps.clock.now());
  }
}
