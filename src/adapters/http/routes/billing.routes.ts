import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { UseCases } from '#application/use-cases.ts';
import type { AppEnv } from '../auth-middleware.ts';
import { json, problems } from '../openapi.ts';
import { subscriptionStatusJson } from '../presenters.ts';
import * as S from '../schemas.ts';
import { securedRoutes } from '../secured-route.ts';

const tags = ['Subscription'];
const provider: [number, string] = [502, 'PAYMENT_PROVIDER_UNAVAILABLE: Stripe failed; nothing changed'];

export function billingRoutes(app: OpenAPIHono<AppEnv>, useCases: UseCases): void {
  const securedRoute = securedRoutes(useCases.authenticate);

  app.openapi(
    securedRoute({
      method: 'post',
      path: '/subscribe/pro',
      tags,
      summary: 'Start a Stripe Checkout session for Pro',
      responses: {
        201: json(S.CheckoutSession, 'Open checkoutUrl to pay'),
        ...problems([409, 'ALREADY_SUBSCRIBED'], provider),
      },
    }),
    async (c) => c.json(await useCases.startCheckout.execute({ user: c.get('principal').user }), 201),
  );

  app.openapi(
    securedRoute({
      method: 'post',
      path: '/subscription/portal',
      tags,
      summary:
        'A Stripe Billing Portal page to manage or cancel the subscription (extension to the contract)',
      responses: {
        201: json(S.PortalSession, 'Open url'),
        ...problems([409, 'NO_BILLING_ACCOUNT: never subscribed'], provider),
      },
    }),
    async (c) => c.json(await useCases.openBillingPortal.execute({ user: c.get('principal').user }), 201),
  );

  app.openapi(
    securedRoute({
      method: 'get',
      path: '/subscription/status',
      tags,
      summary: 'Tier, Stripe status and today’s usage',
      responses: { 200: json(S.SubscriptionStatus, 'The status') },
    }),
    async (c) => {
      const view = await useCases.getSubscriptionStatus.execute({ user: c.get('principal').user });
      return c.json(subscriptionStatusJson(view), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/webhook/stripe',
      tags,
      summary: 'Stripe events, verified against the raw body with STRIPE_WEBHOOK_SECRET (300 s tolerance)',
      // A plain (non-zod) schema: documented, but not parsed before the signature is checked on the raw body.
      request: { body: { content: { 'application/json': { schema: { type: 'object' } } }, required: true } },
      responses: {
        200: json(z.object({ received: z.literal(true) }), 'Applied, a duplicate, or ignored'),
        ...problems([400, 'INVALID_SIGNATURE or VALIDATION_FAILED'], [500, 'INTERNAL: Stripe will retry']),
      },
    }),
    async (c) => {
      await useCases.applyPaymentEvent.execute({
        rawBody: await c.req.text(),
        signature: c.req.header('Stripe-Signature'),
      });
      return c.json({ received: true as const }, 200);
    },
  );
}
