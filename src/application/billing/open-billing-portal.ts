import { NoBillingAccount } from '#domain/subscription/subscription-errors.ts';
import type { User } from '#domain/user/user.ts';
import type { BillingDeps } from './start-checkout.ts';

/** A payment-provider page where the user manages or cancels the subscription. */
export class OpenBillingPortal {
  private readonly deps: BillingDeps;

  constructor(deps: BillingDeps) {
    this.deps = deps;
  }

  async execute(input: { user: User }): Promise<{ url: string }> {
    const subscription = await this.deps.subscriptions.findByUserId(input.user.id);
    if (!subscription?.customerId) throw new NoBillingAccount();
    return { url: await this.deps.payments.createPortalSession({ customerId: subscription.customerId }) };
  }
}
