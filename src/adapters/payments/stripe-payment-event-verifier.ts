import {
  InvalidSignature,
  type PaymentEvent,
  type PaymentEventVerifier,
} from '#application/ports/payment-gateway.ts';
import { ValidationFailed } from '#domain/shared/domain-error.ts';
import { toPaymentEvent } from './stripe-event-parser.ts';
import { stripeSdk } from './stripe-sdk.ts';

/** Seconds a signed delivery stays acceptable (Stripe's own default). */
const TOLERANCE_SECONDS = 300;

/** Checks Stripe-Signature against the raw body with the webhook secret (no network), then reads the event. */
export class StripePaymentEventVerifier implements PaymentEventVerifier {
  private readonly secret: string;

  constructor(secret: string) {
    this.secret = secret;
  }

  verify(rawBody: string, signature: string | undefined): PaymentEvent {
    // Without a secret an empty-key HMAC would verify: refuse every delivery instead.
    if (!this.secret)
      throw new InvalidSignature('Webhooks are not accepted: STRIPE_WEBHOOK_SECRET is not set');
    if (!signature) throw new InvalidSignature('The Stripe-Signature header is missing');
    let event: unknown;
    try {
      event = stripeSdk().webhooks.constructEvent(rawBody, signature, this.secret, TOLERANCE_SECONDS);
    } catch (error) {
      // constructEvent parses the body only after the signature matched: a SyntaxError is a signed non-JSON body.
      if (error instanceof SyntaxError) throw new ValidationFailed('body', 'The event body is not JSON');
      throw new InvalidSignature('The Stripe-Signature header does not match the body');
    }
    return toPaymentEvent(event);
  }
}
