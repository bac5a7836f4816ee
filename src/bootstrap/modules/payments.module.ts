import { ContainerModule } from 'inversify';
import { checkoutReturnRoutes, localCheckoutRoutes } from '#adapters/http/routes/local-checkout.ts';
import { OfflinePaymentGateway } from '#adapters/payments/offline-payment-gateway.ts';
import { StripePaymentEventVerifier } from '#adapters/payments/stripe-payment-event-verifier.ts';
import type { Config } from '../config.ts';
import { TOKENS } from '../tokens.ts';

/**
 * Stripe when STRIPE_SECRET_KEY is set (its SDK loaded only then), else local checkout sessions with their pages;
 * webhooks are verified the same way in both.
 */
export function paymentsModule(config: Config): ContainerModule {
  const { secretKey, webhookSecret, priceId, apiBase } = config.stripe;
  const { appBaseUrl } = config;
  return new ContainerModule(async ({ bind }) => {
    bind(TOKENS.PaymentEventVerifier).toResolvedValue(
      () => new StripePaymentEventVerifier(webhookSecret ?? ''),
    );
    bind(TOKENS.ExtraRoutes).toResolvedValue(() => checkoutReturnRoutes());
    if (!secretKey) {
      bind(TOKENS.OfflinePaymentGateway).toResolvedValue(
        (clock) => new OfflinePaymentGateway({ appBaseUrl, webhookSecret: webhookSecret ?? '', clock }),
        [TOKENS.Clock],
      );
      bind(TOKENS.PaymentGateway).toService(TOKENS.OfflinePaymentGateway);
      bind(TOKENS.ExtraRoutes).toResolvedValue(
        (gateway, applyPaymentEvent) => localCheckoutRoutes({ gateway, applyPaymentEvent }),
        [TOKENS.OfflinePaymentGateway, TOKENS.ApplyPaymentEvent],
      );
      return;
    }
    const { StripePaymentGateway } = await import('#adapters/payments/stripe-payment-gateway.ts');
    bind(TOKENS.PaymentGateway).toResolvedValue(
      (clock) => new StripePaymentGateway({ secretKey, priceId: priceId ?? '', apiBase, appBaseUrl, clock }),
      [TOKENS.Clock],
    );
  });
}
