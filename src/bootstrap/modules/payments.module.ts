import { ContainerModule } from 'inversify';
import { OfflinePaymentGateway } from '#adapters/payments/offline-payment-gateway.ts';
import { StripePaymentEventVerifier } from '#adapters/payments/stripe-payment-event-verifier.ts';
import type { Config } from '../config.ts';
import { TOKENS } from '../tokens.ts';

export interface PaymentsSetup {
  module: ContainerModule;
  describe: string;
  /** Set in offline mode: the local checkout pages need it. */
  offline: OfflinePaymentGateway | null;
}

/** Stripe when STRIPE_SECRET_KEY is set, else local checkout sessions; webhooks are verified the same way in both. */
export async function paymentsModule(config: Config, clock: { now(): Date }): Promise<PaymentsSetup> {
  const { secretKey, webhookSecret, priceId, apiBase } = config.stripe;
  const verifier = new StripePaymentEventVerifier(webhookSecret ?? '');
  if (!secretKey) {
    const offline = new OfflinePaymentGateway({
      appBaseUrl: config.appBaseUrl,
      webhookSecret: webhookSecret ?? '',
      clock,
    });
    return {
      module: new ContainerModule(({ bind }) => {
        bind(TOKENS.PaymentGateway).toConstantValue(offline);
        bind(TOKENS.PaymentEventVerifier).toConstantValue(verifier);
      }),
      describe: 'offline checkout',
      offline,
    };
  }
  const { StripePaymentGateway } = await import('#adapters/payments/stripe-payment-gateway.ts');
  const stripe = new StripePaymentGateway({
    secretKey,
    priceId: priceId ?? '',
    apiBase,
    appBaseUrl: config.appBaseUrl,
  });
  return {
    module: new ContainerModule(({ bind }) => {
      bind(TOKENS.PaymentGateway).toConstantValue(stripe);
      bind(TOKENS.PaymentEventVerifier).toConstantValue(verifier);
    }),
    describe: `stripe${apiBase ? ` at ${apiBase}` : ''}`,
    offline: null,
  };
}
