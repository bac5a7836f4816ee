import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import type { Clock } from '#application/ports/clock.ts';
import type { CheckoutSession, PaymentGateway } from '#application/ports/payment-gateway.ts';
import type { UserId } from '#domain/shared/ids.ts';

/** A raw webhook delivery: the body and its Stripe-Signature header. */
export interface SignedEvent {
  rawBody: string;
  signature: string;
}

interface LocalSession {
  userId: UserId;
  customerId: string;
  /** Filled on completion, so completing twice re-delivers the same event ids (applied once). */
  events: object[] | null;
}

const PERIOD_SECONDS = 30 * 24 * 60 * 60;
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
    const created = this.nowSeconds();
    const subscription = {
      ...this.subscriptionObject(customerId, null, created),
      status: 'canceled',
      canceled_at: created,
      ended_at: created,
    };
    return this.sign(this.event('customer.subscription.deleted', created, subscription));
  }

  private completionEvents(sessionId: string, session: LocalSession): object[] {
    const created = this.nowSeconds();
    const subscription = this.subscriptionObject(session.customerId, session.userId, created);
    const checkout = {
      id: sessionId,
      object: 'checkout.session',
      mode: 'subscription',
      status: 'complete',
      payment_status: 'paid',
      client_reference_id: session.userId,
      customer: session.customerId,
      subscription: subscription.id,
      metadata: { userId: session.userId },
    };
    return [
      this.event('checkout.session.completed', created, checkout),
      this.event('customer.subscription.created', created, subscription),
    ];
  }

  /** One subscription per local customer, named after it, so the portal needs no memory across restarts. */
  private subscriptionObject(customerId: string, userId: UserId | null, created: number) {
    const periodEnd = created + PERIOD_SECONDS;
    return {
      id: customerId.replace(/^cus_/, 'sub_'),
      object: 'subscription',
      status: 'active',
      customer: customerId,
      cancel_at_period_end: false,
      items: {
        object: 'list',
        data: [{ object: 'subscription_item', current_period_start: created, current_period_end: periodEnd }],
      },
      metadata: userId ? { userId } : {},
    };
  }

  private event(type: string, created: number, object: object): object {
    return { id: `evt_local_${hex()}`, object: 'event', type, created, livemode: false, data: { object } };
  }

  private sign(event: object): SignedEvent {
    const rawBody = JSON.stringify(event);
    return {
      rawBody,
      signature: Stripe.webhooks.generateTestHeaderString({ payload: rawBody, secret: this.webhookSecret }),
    };
  }

  private nowSeconds(): number {
    return Math.floor(this.clock.now().getTime() / 1000);
  }
}

function hex(): string {
  return randomBytes(12).toString('hex');
}
