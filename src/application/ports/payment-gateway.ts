import type { UserId } from '#domain/shared/ids.ts';
import type { SubscriptionStatus } from '#domain/subscription/subscription.ts';

export interface CheckoutSession {
  sessionId: string;
  checkoutUrl: string;
}

/** Checkout and billing portal sessions at the payment provider; an outage throws ServiceUnavailable('payments'). */
export interface PaymentGateway {
  /** A customer for the user (idempotent per user). */
  createCustomer(input: { userId: UserId; mobile: string }): Promise<string>;
  createCheckoutSession(input: { userId: UserId; customerId: string }): Promise<CheckoutSession>;
  createPortalSession(input: { customerId: string }): Promise<string>;
}

interface EventBase {
  id: string;
  /** Unix seconds. */
  created: number;
}

/** A verified payment event, reduced to what changes a subscription. */
export type PaymentEvent =
  | (EventBase & {
      kind: 'checkout_completed';
      userId: UserId | null;
      customerId: string | null;
      subscriptionId: string | null;
    })
  | (EventBase & {
      kind: 'subscription_changed';
      userId: UserId | null;
      customerId: string | null;
      subscriptionId: string;
      status: SubscriptionStatus;
      currentPeriodEnd: Date | null;
      cancelAtPeriodEnd: boolean;
    })
  | (EventBase & {
      kind: 'payment_failed';
      customerId: string | null;
      subscriptionId: string | null;
    })
  | (EventBase & { kind: 'ignored'; type: string });

/** Checks a webhook's signature against the raw body and parses it; throws InvalidSignature or ValidationFailed. */
export interface PaymentEventVerifier {
  verify(rawBody: string, signature: string | undefined): PaymentEvent;
}

/** A webhook whose signature does not match its raw body (or cannot be checked): it is not the provider's. */
export class InvalidSignature extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSignature';
  }
}
