import Stripe from 'stripe';
import type { Clock } from '#application/ports/clock.ts';
import type { CheckoutSession, PaymentGateway } from '#application/ports/payment-gateway.ts';
import { ServiceUnavailable } from '#application/shared/service-unavailable.ts';
import type { UserId } from '#domain/shared/ids.ts';

export interface StripeGatewayOptions {
  secretKey: string;
  /** The Pro price (price_…). */
  priceId: string;
  /** Where success/cancel/return links point. */
  appBaseUrl: string;
  /** Another API endpoint than Stripe's (a mock, or a fake in tests): scheme, host and port are used. */
  apiBase?: string;
  clock: Clock;
}

/** A double click within this window gets the same checkout session (one idempotency key per user and window). */
const CHECKOUT_WINDOW_MS = 60_000;
/** The user's HTTP request waits for Stripe, so fail well before a proxy would. */
const TIMEOUT_MS = 15_000;

/** Checkout and billing portal sessions at Stripe. Any Stripe failure becomes ServiceUnavailable('payments'). */
export class StripePaymentGateway implements PaymentGateway {
  private readonly stripe: Stripe;
  private readonly priceId: string;
  private readonly appBaseUrl: string;
  private readonly clock: Clock;

  constructor(options: StripeGatewayOptions) {
    this.priceId = options.priceId;
    this.appBaseUrl = options.appBaseUrl.replace(/\/+$/, '');
    this.clock = options.clock;
    // One SDK retry on connection errors, 409 and 5xx: safe because every call carries an idempotency key.
    this.stripe = new Stripe(options.secretKey, {
      maxNetworkRetries: 1,
      timeout: TIMEOUT_MS,
      ...endpoint(options.apiBase),
    });
  }

  async createCustomer(input: { userId: UserId; mobile: string }): Promise<string> {
    const customer = await this.call('create customer', () =>
      this.stripe.customers.create(
        { phone: input.mobile, metadata: { userId: input.userId } },
        { idempotencyKey: `customer-${input.userId}` },
      ),
    );
    return customer.id;
  }

  async createCheckoutSession(input: { userId: UserId; customerId: string }): Promise<CheckoutSession> {
    const window = Math.floor(this.clock.now().getTime() / CHECKOUT_WINDOW_MS);
    const session = await this.call('create checkout session', () =>
      this.stripe.checkout.sessions.create(
        {
          mode: 'subscription',
          customer: input.customerId,
          client_reference_id: input.userId,
          line_items: [{ price: this.priceId, quantity: 1 }],
          metadata: { userId: input.userId },
          subscription_data: { metadata: { userId: input.userId } },
          success_url: `${this.appBaseUrl}/checkout/success?session_id={CHECKOUT_SESSION_ID}`,
          cancel_url: `${this.appBaseUrl}/checkout/cancel`,
        },
        { idempotencyKey: `checkout-${input.userId}-${input.customerId}-${window}` },
      ),
    );
    if (!session.url) throw providerFailed(new Error('Stripe returned a checkout session without a URL'));
    return { sessionId: session.id, checkoutUrl: session.url };
  }

  async createPortalSession(input: { customerId: string }): Promise<string> {
    const session = await this.call('create billing portal session', () =>
      this.stripe.billingPortal.sessions.create({
        customer: input.customerId,
        return_url: `${this.appBaseUrl}/checkout/return`,
      }),
    );
    return session.url;
  }

  private async call<T>(operation: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw providerFailed(new Error(`Stripe could not ${operation}: ${describe(error)}`, { cause: error }));
    }
  }
}

/** What went wrong at Stripe stays in the cause (for the log); the caller is told only that payments are down. */
function providerFailed(cause: Error): ServiceUnavailable {
  return new ServiceUnavailable('payments', 'The payment provider did not answer; try again shortly', {
    cause,
  });
}

function endpoint(apiBase: string | undefined): {
  host?: string;
  port?: string;
  protocol?: 'http' | 'https';
} {
  if (!apiBase) return {};
  const url = new URL(apiBase);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { host: url.hostname, port: url.port || (protocol === 'http' ? '80' : '443'), protocol };
}

/** Type, code and status only: Stripe's message may quote request parameters. */
function describe(error: unknown): string {
  if (error instanceof Stripe.errors.StripeError) {
    return [error.type, error.code, error.statusCode].filter((part) => part !== undefined).join(' ');
  }
  return error instanceof Error ? error.name : 'unknown error';
}
