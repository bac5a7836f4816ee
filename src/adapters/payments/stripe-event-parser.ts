import { z } from 'zod';
import type { PaymentEvent } from '#application/ports/payment-gateway.ts';
import { ValidationFailed } from '#domain/shared/domain-error.ts';
import type { UserId } from '#domain/shared/ids.ts';
import { isSubscriptionStatus } from '#domain/subscription/subscription.ts';

/** Stripe documents its object ids as at most 255 characters; longer ones never reach a column. */
const stripeId = z.string().min(1).max(255);
/** Stripe sends a related object as its id, or as the object itself when expanded. */
const reference = z.union([stripeId, z.object({ id: stripeId })]).nullish();
const metadata = z.record(z.string(), z.string()).nullish();

const envelope = z.object({
  id: stripeId,
  type: z.string().min(1).max(255),
  created: z.number().int().nonnegative(),
  data: z.object({ object: z.unknown() }).optional(),
});

const checkoutSession = z.object({
  mode: z.string(),
  client_reference_id: z.string().nullish(),
  metadata,
  customer: reference,
  subscription: reference,
});

const subscription = z.object({
  id: stripeId,
  status: z.string(),
  customer: reference,
  cancel_at_period_end: z.boolean().nullish(),
  /** Older API versions; newer ones keep the period on each item. */
  current_period_end: z.number().int().nullish(),
  items: z.object({ data: z.array(z.object({ current_period_end: z.number().int().nullish() })) }).nullish(),
  metadata,
});

const invoice = z.object({
  customer: reference,
  /** Older API versions; newer ones name it under parent.subscription_details. */
  subscription: reference,
  parent: z.object({ subscription_details: z.object({ subscription: reference }).nullish() }).nullish(),
});

const SUBSCRIPTION_EVENTS = new Set([
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
]);

/** A verified Stripe event reduced to what changes a subscription; malformed known events throw ValidationFailed. */
export function toPaymentEvent(json: unknown): PaymentEvent {
  const event = parse(envelope, json, '');
  const base = { id: event.id, created: event.created };
  const object = event.data?.object;
  if (event.type === 'checkout.session.completed') {
    const session = parse(checkoutSession, object, 'data.object.');
    if (session.mode !== 'subscription') return { ...base, kind: 'ignored', type: event.type };
    return {
      ...base,
      kind: 'checkout_completed',
      userId: userIdOf(session.metadata, session.client_reference_id),
      customerId: idOf(session.customer),
      subscriptionId: idOf(session.subscription),
    };
  }
  if (SUBSCRIPTION_EVENTS.has(event.type)) {
    const sub = parse(subscription, object, 'data.object.');
    const status = sub.status;
    if (!isSubscriptionStatus(status)) {
      throw new ValidationFailed('data.object.status', `Unknown subscription status "${status}"`);
    }
    return {
      ...base,
      kind: 'subscription_changed',
      userId: userIdOf(sub.metadata),
      customerId: idOf(sub.customer),
      subscriptionId: sub.id,
      status,
      currentPeriodEnd: periodEnd(sub),
      cancelAtPeriodEnd: sub.cancel_at_period_end ?? false,
    };
  }
  if (event.type === 'invoice.payment_failed') {
    const failed = parse(invoice, object, 'data.object.');
    const subscriptionId =
      idOf(failed.subscription) ?? idOf(failed.parent?.subscription_details?.subscription);
    // A one-off invoice failing says nothing about the subscription.
    if (subscriptionId === null) return { ...base, kind: 'ignored', type: event.type };
    return { ...base, kind: 'payment_failed', customerId: idOf(failed.customer), subscriptionId };
  }
  return { ...base, kind: 'ignored', type: event.type };
}

function parse<T>(schema: z.ZodType<T>, value: unknown, prefix: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = `${prefix}${issue?.path.join('.') ?? ''}`.replace(/\.$/, '') || 'body';
  throw new ValidationFailed(path, `Not a usable Stripe event: ${issue?.message ?? 'invalid'}`);
}

function idOf(value: z.infer<typeof reference>): string | null {
  if (!value) return null;
  return typeof value === 'string' ? value : value.id;
}

/**
 * Our user: metadata.userId names it, client_reference_id (which another integration on the same Stripe account
 * may use for its own ids) only stands in when that is missing. An id that is not ours finds no user.
 */
function userIdOf(
  metadata: Record<string, string> | null | undefined,
  reference?: string | null,
): UserId | null {
  return metadata?.userId || reference || null;
}

/** The latest period end, from the subscription or (newer API versions) its items. */
function periodEnd(sub: z.infer<typeof subscription>): Date | null {
  const ends = [
    sub.current_period_end,
    ...(sub.items?.data.map((item) => item.current_period_end) ?? []),
  ].filter((end): end is number => typeof end === 'number');
  return ends.length === 0 ? null : new Date(Math.max(...ends) * 1000);
}
