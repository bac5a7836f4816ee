import { Hono } from 'hono';
import type { OfflinePaymentGateway } from '#adapters/payments/offline-payment-gateway.ts';
import type { ApplyPaymentEvent } from '#application/billing/apply-payment-event.ts';

export interface LocalCheckoutDeps {
  gateway: Pick<
    OfflinePaymentGateway,
    'hasSession' | 'completeLocalSession' | 'isLocalCustomer' | 'cancelLocalSubscription'
  >;
  applyPaymentEvent: Pick<ApplyPaymentEvent, 'execute'>;
}

/**
 * The offline stand-in for Stripe's hosted pages: a checkout page whose button completes the session,
 * and a portal page that cancels; both post signed Stripe-shaped events through the webhook use case.
 */
export function localCheckoutRoutes(deps: LocalCheckoutDeps): Hono {
  const app = new Hono();

  app.get('/checkout/local/portal/:customerId', (c) => {
    const customerId = c.req.param('customerId');
    if (!deps.gateway.isLocalCustomer(customerId)) return c.html(notFoundPage(), 404);
    return c.html(
      page(
        'Manage subscription (local)',
        `<p>Offline billing portal for <code>${escapeHtml(customerId)}</code>. No real payment provider is involved.</p>
<form method="post" action="/checkout/local/portal/${encodeURIComponent(customerId)}/cancel">
  <button type="submit">Cancel subscription</button>
</form>
${backToChat('/app')}`,
      ),
    );
  });

  app.post('/checkout/local/portal/:customerId/cancel', async (c) => {
    const customerId = c.req.param('customerId');
    if (!deps.gateway.isLocalCustomer(customerId)) return c.html(notFoundPage(), 404);
    await deps.applyPaymentEvent.execute(deps.gateway.cancelLocalSubscription(customerId));
    return c.html(
      page(
        'Subscription canceled',
        `<p>Your subscription is canceled; you are back on Basic.</p>${backToChat('/app')}`,
      ),
    );
  });

  app.get('/checkout/local/:sessionId', (c) => {
    const sessionId = c.req.param('sessionId');
    if (!deps.gateway.hasSession(sessionId)) return c.html(notFoundPage(), 404);
    return c.html(
      page(
        'Upgrade to Pro (local checkout)',
        `<p>This is the offline checkout for session <code>${escapeHtml(sessionId)}</code>: no card, no real payment.</p>
<form method="post" action="/checkout/local/${encodeURIComponent(sessionId)}/complete">
  <button type="submit">Complete test payment</button>
</form>
<p><a href="/checkout/cancel">Cancel and go back</a></p>`,
      ),
    );
  });

  app.post('/checkout/local/:sessionId/complete', async (c) => {
    const events = deps.gateway.completeLocalSession(c.req.param('sessionId'));
    if (!events) return c.html(notFoundPage(), 404);
    // In order, like Stripe delivers them; a second click re-delivers the same event ids, which change nothing.
    for (const event of events) await deps.applyPaymentEvent.execute(event);
    return c.html(
      page(
        'Payment complete',
        `<p>Test payment done: your account is now Pro.</p>${backToChat('/app?checkout=success')}`,
      ),
    );
  });

  return app;
}

/** Where Stripe's hosted pages send the browser back (success_url, cancel_url, the portal's return_url); each leads on to /app. */
export function checkoutReturnRoutes(): Hono {
  const app = new Hono();
  app.get('/checkout/success', (c) =>
    c.html(
      page(
        'Payment received',
        `<p>Thank you. Your account turns Pro as soon as Stripe confirms the payment.</p>${backToChat('/app?checkout=success')}`,
      ),
    ),
  );
  app.get('/checkout/cancel', (c) =>
    c.html(
      page(
        'Checkout canceled',
        `<p>No payment was taken. You are still on Basic.</p>${backToChat('/app?checkout=cancel')}`,
      ),
    ),
  );
  app.get('/checkout/return', (c) =>
    c.html(page('Billing updated', `<p>Your billing details are up to date.</p>${backToChat('/app')}`)),
  );
  return app;
}

/** The way back to the web client (/app), which reads the outcome from `?checkout=`. */
function backToChat(href: string): string {
  return `<p><a href="${href}">Back to the chat</a></p>`;
}

function notFoundPage(): string {
  return page(
    'Not found',
    '<p>This local checkout link is unknown or expired. Start a new checkout from the API.</p>',
  );
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 4rem auto; padding: 0 1rem; color: #1f2328; }
  button { font-size: 1rem; padding: .6rem 1.2rem; border: 0; border-radius: .4rem; background: #635bff; color: #fff; cursor: pointer; }
  code { background: #f3f4f6; padding: .1rem .3rem; border-radius: .2rem; }
  a { color: #0b57d0; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${body}
</body>
</html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
