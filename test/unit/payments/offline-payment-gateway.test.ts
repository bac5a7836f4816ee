import { describe, expect, it } from 'vitest';
import { checkoutReturnRoutes, localCheckoutRoutes } from '#adapters/http/routes/local-checkout.ts';
import { OfflinePaymentGateway } from '#adapters/payments/offline-payment-gateway.ts';
import { StripePaymentEventVerifier } from '#adapters/payments/stripe-payment-event-verifier.ts';
import type { PaymentEvent } from '#application/ports/payment-gateway.ts';
import { FixedClock } from '#test/support/clock.ts';
import { sequentialId } from '#test/support/ids.ts';

const SECRET = 'whsec_local_test';
const BASE = 'http://localhost:3000';
const USER = sequentialId(7);

function setUp() {
  const clock = new FixedClock('2026-11-23T10:00:00.000Z');
  const gateway = new OfflinePaymentGateway({ appBaseUrl: `${BASE}/`, webhookSecret: SECRET, clock });
  const verifier = new StripePaymentEventVerifier(SECRET);
  const delivered: PaymentEvent[] = [];
  // The webhook use case's entry point, reduced to the verification it starts with.
  const applyPaymentEvent = {
    execute: async (input: { rawBody: string; signature: string | undefined }) => {
      delivered.push(verifier.verify(input.rawBody, input.signature));
      return 'applied' as const;
    },
  };
  const app = localCheckoutRoutes({ gateway, applyPaymentEvent });
  return { clock, gateway, verifier, delivered, app };
}

describe('OfflinePaymentGateway', () => {
  it('hands out one local customer per user', async () => {
    const { gateway } = setUp();
    const first = await gateway.createCustomer({ userId: USER, mobile: '+919876543210' });
    expect(first).toMatch(/^cus_local_[0-9a-f]{24}$/);
    expect(await gateway.createCustomer({ userId: USER, mobile: '+919876543210' })).toBe(first);
    expect(await gateway.createCustomer({ userId: sequentialId(8), mobile: '+919876543211' })).not.toBe(
      first,
    );
  });

  it('hands out local checkout sessions whose URL is under the app base URL', async () => {
    const { gateway } = setUp();
    const session = await gateway.createCheckoutSession({ userId: USER, customerId: 'cus_local_1' });
    expect(session.sessionId).toMatch(/^cs_local_[0-9a-f]{24}$/);
    expect(session.checkoutUrl).toBe(`${BASE}/checkout/local/${session.sessionId}`);
    expect(await gateway.createPortalSession({ customerId: 'cus_local_1' })).toBe(
      `${BASE}/checkout/local/portal/cus_local_1`,
    );
  });

  it('completes a session with events the Stripe webhook verifier accepts: checkout, then the subscription', async () => {
    const { gateway, verifier, clock } = setUp();
    const customerId = await gateway.createCustomer({ userId: USER, mobile: '+919876543210' });
    const { sessionId } = await gateway.createCheckoutSession({ userId: USER, customerId });
    const events = (gateway.completeLocalSession(sessionId) ?? []).map((e) =>
      verifier.verify(e.rawBody, e.signature),
    );
    const created = clock.now().getTime() / 1000;
    const subscriptionId = customerId.replace('cus_', 'sub_');
    expect(events).toEqual([
      {
        id: expect.stringMatching(/^evt_local_/),
        created,
        kind: 'checkout_completed',
        userId: USER,
        customerId,
        subscriptionId,
      },
      {
        id: expect.stringMatching(/^evt_local_/),
        created,
        kind: 'subscription_changed',
        userId: USER,
        customerId,
        subscriptionId,
        status: 'active',
        currentPeriodEnd: new Date('2026-12-23T10:00:00.000Z'),
        cancelAtPeriodEnd: false,
      },
    ]);
  });

  it('re-delivers the same event ids when a session is completed twice, so they apply once', async () => {
    const { gateway, verifier } = setUp();
    const { sessionId } = await gateway.createCheckoutSession({ userId: USER, customerId: 'cus_local_1' });
    const ids = () =>
      (gateway.completeLocalSession(sessionId) ?? []).map((e) => verifier.verify(e.rawBody, e.signature).id);
    expect(ids()).toEqual(ids());
  });

  it('knows nothing of sessions it did not hand out', () => {
    expect(setUp().gateway.completeLocalSession('cs_local_unknown')).toBeNull();
  });
});

describe('local checkout pages', () => {
  it('shows a checkout page with a "Complete test payment" button posting to the session', async () => {
    const { gateway, app } = setUp();
    const { sessionId } = await gateway.createCheckoutSession({ userId: USER, customerId: 'cus_local_1' });
    const response = await app.request(`/checkout/local/${sessionId}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('Complete test payment');
    expect(html).toContain(`action="/checkout/local/${sessionId}/complete"`);
    expect(html).not.toMatch(/<(script|link)\b/);
  });

  it('completing the payment delivers the signed events through the webhook use case, then shows success', async () => {
    const { gateway, app, delivered } = setUp();
    const { sessionId } = await gateway.createCheckoutSession({ userId: USER, customerId: 'cus_local_1' });
    const response = await app.request(`/checkout/local/${sessionId}/complete`, { method: 'POST' });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('now Pro');
    expect(html).toContain('<a href="/app?checkout=success">Back to the chat</a>');
    expect(delivered.map((event) => event.kind)).toEqual(['checkout_completed', 'subscription_changed']);
    expect(delivered[0]).toMatchObject({ userId: USER, customerId: 'cus_local_1' });
  });

  it('answers 404 pages for an unknown session', async () => {
    const { app, delivered } = setUp();
    expect((await app.request('/checkout/local/cs_local_nope')).status).toBe(404);
    expect((await app.request('/checkout/local/cs_local_nope/complete', { method: 'POST' })).status).toBe(
      404,
    );
    expect(delivered).toEqual([]);
  });

  it('the portal page cancels the local subscription with a signed customer.subscription.deleted', async () => {
    const { gateway, app, delivered } = setUp();
    const customerId = await gateway.createCustomer({ userId: USER, mobile: '+919876543210' });
    const portal = await app.request(`/checkout/local/portal/${customerId}`);
    expect(portal.status).toBe(200);
    expect(await portal.text()).toContain(`action="/checkout/local/portal/${customerId}/cancel"`);
    const cancel = await app.request(`/checkout/local/portal/${customerId}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(200);
    expect(delivered).toEqual([
      expect.objectContaining({
        kind: 'subscription_changed',
        status: 'canceled',
        customerId,
        subscriptionId: customerId.replace('cus_', 'sub_'),
      }),
    ]);
  });

  it('has no portal for a customer that is not a local one', async () => {
    const { app, delivered } = setUp();
    expect((await app.request('/checkout/local/portal/cus_RealStripe123')).status).toBe(404);
    expect(
      (await app.request('/checkout/local/portal/cus_RealStripe123/cancel', { method: 'POST' })).status,
    ).toBe(404);
    expect(delivered).toEqual([]);
  });
});

describe('checkout return pages', () => {
  it.each([
    ['/checkout/success?session_id=cs_test_1', 'Payment received', '/app?checkout=success'],
    ['/checkout/cancel', 'Checkout canceled', '/app?checkout=cancel'],
    ['/checkout/return', 'Billing updated', '/app'],
  ])(
    'serves %s for the browser coming back from Stripe, leading on to the web client',
    async (path, title, back) => {
      const response = await checkoutReturnRoutes().request(path);
      expect(response.status).toBe(200);
      const html = await response.text();
      expect(html).toContain(title);
      expect(html).toContain(`<a href="${back}">Back to the chat</a>`);
    },
  );
});
