import { randomBytes } from 'node:crypto';
import { stripeSdk } from './stripe-sdk.ts';

// Webhook events shaped and signed as Stripe sends them: the offline checkout delivers these, and the tests
// build every Stripe event they send from here. Fields not given get valid defaults.

/** A raw webhook delivery: the body and its Stripe-Signature header. */
export interface SignedEvent {
  rawBody: string;
  signature: string;
}

export interface StripeEvent<T extends object = object> {
  id: string;
  object: 'event';
  type: string;
  /** Unix seconds. */
  created: number;
  livemode: false;
  data: { object: T };
}

/** The delivery: its event id (random by default) and `created` in Unix seconds (now by default). */
export interface EventFields {
  eventId?: string;
  created?: number;
}

export interface CheckoutFields extends EventFields {
  userId: string;
  /** Default `cus_for_<userId>`. */
  customer?: string;
  /** Default `sub_for_<userId>`. */
  subscription?: string;
  sessionId?: string;
  /** `subscription` (default) or another Checkout mode, which changes no subscription. */
  mode?: string;
}

export interface SubscriptionFields extends EventFields {
  id?: string;
  customer?: string;
  /** Stripe's subscription status; default `active` (`canceled` for a deleted one). */
  status?: string;
  /** Put in metadata.userId, as our checkout does. */
  userId?: string;
  /** Unix seconds; default 30 days after `created`. */
  periodEnd?: number;
  cancelAtPeriodEnd?: boolean;
}

export interface InvoiceFields extends EventFields {
  customer: string;
  /** The subscription billed; none for a one-off invoice. */
  subscription?: string;
  /** Older API versions name the subscription on the invoice itself, newer ones under parent. */
  legacyShape?: boolean;
}

const PERIOD_SECONDS = 30 * 24 * 60 * 60;

export function aStripeEvent<T extends object>(
  type: string,
  object: T,
  fields: EventFields = {},
): StripeEvent<T> {
  return {
    id: fields.eventId ?? `evt_${randomHex()}`,
    object: 'event',
    type,
    created: fields.created ?? nowSeconds(),
    livemode: false,
    data: { object },
  };
}

export function aCheckoutSession(fields: CheckoutFields) {
  return {
    id: fields.sessionId ?? `cs_${randomHex()}`,
    object: 'checkout.session',
    mode: fields.mode ?? 'subscription',
    status: 'complete',
    payment_status: 'paid',
    client_reference_id: fields.userId,
    customer: fields.customer ?? `cus_for_${fields.userId}`,
    subscription: fields.subscription ?? `sub_for_${fields.userId}`,
    metadata: { userId: fields.userId },
  };
}

/** A subscription with its billing period on its item, as newer API versions send it. */
export function aSubscription(fields: SubscriptionFields = {}) {
  const periodStart = fields.created ?? nowSeconds();
  return {
    id: fields.id ?? `sub_${randomHex()}`,
    object: 'subscription',
    status: fields.status ?? 'active',
    customer: fields.customer ?? `cus_${randomHex()}`,
    cancel_at_period_end: fields.cancelAtPeriodEnd ?? false,
    items: {
      object: 'list',
      data: [
        {
          object: 'subscription_item',
          current_period_start: periodStart,
          current_period_end: fields.periodEnd ?? periodStart + PERIOD_SECONDS,
        },
      ],
    },
    metadata: fields.userId ? { userId: fields.userId } : {},
  };
}

export function anInvoice(fields: InvoiceFields) {
  const { subscription } = fields;
  const billed =
    subscription === undefined
      ? { parent: null }
      : fields.legacyShape
        ? { subscription }
        : { parent: { type: 'subscription_details', subscription_details: { subscription } } };
  return { id: `in_${randomHex()}`, object: 'invoice', customer: fields.customer, ...billed };
}

export function aCheckoutCompleted(fields: CheckoutFields) {
  return aStripeEvent('checkout.session.completed', aCheckoutSession(fields), fields);
}

export function aSubscriptionCreated(fields: SubscriptionFields = {}) {
  return aStripeEvent('customer.subscription.created', aSubscription(fields), fields);
}

export function aSubscriptionUpdated(fields: SubscriptionFields = {}) {
  return aStripeEvent('customer.subscription.updated', aSubscription(fields), fields);
}

export function aSubscriptionDeleted(fields: SubscriptionFields = {}) {
  const ended = fields.created ?? nowSeconds();
  const subscription = {
    ...aSubscription({ ...fields, status: fields.status ?? 'canceled' }),
    canceled_at: ended,
    ended_at: ended,
  };
  return aStripeEvent('customer.subscription.deleted', subscription, fields);
}

export function anInvoicePaymentFailed(fields: InvoiceFields) {
  return aStripeEvent('invoice.payment_failed', anInvoice(fields), fields);
}

/** Signs an event (or any raw body) with a webhook secret, as Stripe does; `timestamp` in Unix seconds, default now. */
export function signStripeEvent(
  event: object | string,
  secret: string,
  options: { timestamp?: number } = {},
): SignedEvent {
  const rawBody = typeof event === 'string' ? event : JSON.stringify(event);
  const signature = stripeSdk().webhooks.generateTestHeaderString({
    payload: rawBody,
    secret,
    ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
  });
  return { rawBody, signature };
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function randomHex(): string {
  return randomBytes(12).toString('hex');
}
