import type { CheckoutSession, PaymentGateway } from '#application/ports/payment-gateway.ts';
import type { UserId } from '#domain/shared/ids.ts';

/** A payment provider that hands out numbered customers and sessions and keeps every call. */
export class FakePaymentGateway implements PaymentGateway {
  readonly customersCreated: { userId: UserId; mobile: string }[] = [];
  readonly checkouts: { userId: UserId; customerId: string }[] = [];

  async createCustomer(input: { userId: UserId; mobile: string }): Promise<string> {
    this.customersCreated.push(input);
    return `cus_fake_${this.customersCreated.length}`;
  }

  async createCheckoutSession(input: { userId: UserId; customerId: string }): Promise<CheckoutSession> {
    this.checkouts.push(input);
    const sessionId = `cs_fake_${this.checkouts.length}`;
    return { sessionId, checkoutUrl: `https://pay.example/${sessionId}` };
  }

  async createPortalSession(input: { customerId: string }): Promise<string> {
    return `https://pay.example/portal/${input.customerId}`;
  }
}
