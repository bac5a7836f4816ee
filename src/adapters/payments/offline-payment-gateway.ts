import { randomBytes } from 'node:crypto';
import type { Clock } from '#application/ports/clock.ts';
import type { CheckoutSession, PaymentGateway } from '#application/ports/payment-gateway.ts';
import type { UserId } from '#domain/shared/ids.ts';
import {
  aCheckoutCompleted,
  aSubscriptionCreated,
  aSubscriptionDeleted,
  type SignedEvent,
  signStripeEvent,
} from './stripe-events.ts';

interface LocalSession {
  userId: UserId;
  customerId: string;
  /** Filled on completion, so completing twice re-delivers the same event ids (applied once). */
  events: object[] | null;
}

const LOCAL_CUSTOMER = /^cus_local_[0-9a-f]{24}$/;

/**
 * Checkout without Stripe: local sessions whose page completes them by producing events shaped and signed
 * like Stripe's, so they go through the same verifier and use case as real webhooks.
 */
export class OfflinePaymentGateway implements PaymentGateway {
  private readonly appBaseUrl: string;
  private readonly webhookSecret: string;
  private readonly clock: Clock;
  private readonly customers = new Map<UserId, string>();
  private readonly sessions = new Map<string, LocalSession>();

  constructor(options: { appBaseUrl: string; webhookSecret: string; clock: Clock }) {
    this.appBaseUrl = options.appBaseUrl.replace(/\/+$/, '');
    this.webhookSecret = options.webhookSecret;
    this.clock = options.clock;
  }

  async createCustomer(input: { userId: UserId; mobile: string }): Promise<string> {
    const existing = this.customers.get(input.userId);
    if (existing) return existing;
    const customerId = `cus_local_${hex()}`;
    this.customers.set(input.userId, customerId);
    return customerId;
  }

  async createCheckoutSession(input: { userId: UserId; customerId: string }): Promise<CheckoutSession> {
    const sessionId = `cs_local_${hex()}`;
    this.sessions.set(sessionId, { userId: input.userId, customerId: input.customerId, events: null });
    return { sessionId, checkoutUrl: `${this.appBaseUrl}/checkout/local/${sessionId}` };
  }

  async createPortalSession(input: { customerId: string }): Promise<string> {
    return `${this.appBaseUrl}/checkout/local/portal/${input.customerId}`;
  }

  hasSession(sessionId: string): boolean {
    return this.sessions.has(sessionId);
  }

  /** Whether a portal page can exist for this customer id (one this gateway hands out). */
  isLocalCustomer(customerId: string): boolean {
    return LOCAL_CUSTOMER.test(customerId);
  }

  /** The signed checkout.session.completed and customer.subscription.created of a paid session; null if unknown. */
  completeLocalSession(sessionId: string): SignedEvent[] | null {
    const session = this.sessions.get(sessionId);
    if (!session) return null;
    session.events ??= this.completionEvents(sessionId, session);
    return session.events.map((event) => this.sign(event));
  }

  /** A signed customer.subscription.deleted for the customer's local subscription. */
  cancelLocalSubscription(customerId: string): SignedEvent {
    return this.sign(
      aSubscriptionDeleted({ ...this.delivery(), id: localSubscriptionId(customerId), customer: customerId }),
    );
  }

  private completionEvents(sessionId: string, session: LocalSession): object[] {
    const subscription = localSubscriptionId(session.customerId);
    const { userId, customerId: customer } = session;
    return [
      aCheckoutCompleted({ ...this.delivery(), sessionId, userId, customer, subscription }),
      aSubscriptionCreated({ ...this.delivery(), id: subscription, customer, userId }),
    ];
  }

  private delivery() {
    return { eventId: `evt_local_${hex()}`, created: Math.floor(this.clock.now().getTime() / 1000) };
  }

  private sign(event: object): SignedEvent {
    return signStripeEvent(event, this.webhookSecret);
  }
}

/** One subscription per local customer, named after it, so the portal needs no memory across restarts. */
function localSubscriptionId(customerId: string): string {
  return customerId.replace(/^cus_/, 'sub_');
}

function hex(): string {
  return randomBytes(12).toString('hex');
}
