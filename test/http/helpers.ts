import Stripe from 'stripe';
import { expect } from 'vitest';
import type { LanguageModel, ModelCallOptions, ModelReply, Turn } from '#application/ports/language-model.ts';
import { TEST_WEBHOOK_SECRET, type TestClient, type TestResponse } from '#test/support/http.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export const aUuid = expect.stringMatching(UUID);
export const anIsoTime = expect.stringMatching(ISO_UTC);

/** Asserts an RFC 9457 problem response with the contract's stable code; returns its body. */
export function expectProblem(response: TestResponse, status: number, code: string) {
  expect({ status: response.status, code: response.body?.code }).toEqual({ status, code });
  expect(response.headers.get('Content-Type')).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({
    type: expect.any(String),
    title: expect.any(String),
    status,
    detail: expect.any(String),
    code,
  });
  return response.body;
}

/** Asserts a 400 VALIDATION_FAILED naming the field at `path`. */
export function expectInvalidField(response: TestResponse, path: string) {
  const body = expectProblem(response, 400, 'VALIDATION_FAILED');
  expect(body.errors).toEqual(expect.arrayContaining([{ path, message: expect.any(String) }]));
}

/** Asserts the 401 every refused bearer token gets. */
export function expectUnauthorized(response: TestResponse) {
  expectProblem(response, 401, 'UNAUTHORIZED');
  expect(response.headers.get('WWW-Authenticate')).toBe('Bearer error="invalid_token"');
}

/** A webhook delivery signed like Stripe signs it (timestamp in seconds; default now). */
export function signedEvent(event: object, options: { secret?: string; timestamp?: number } = {}) {
  const payload = JSON.stringify(event);
  const signature = Stripe.webhooks.generateTestHeaderString({
    payload,
    secret: options.secret ?? TEST_WEBHOOK_SECRET,
    ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
  });
  return { payload, signature };
}

/** Posts a raw body to the Stripe webhook with the given signature header (none when undefined). */
export function deliver(client: TestClient, payload: string, signature?: string) {
  return client.post('/webhook/stripe', undefined, {
    raw: payload,
    headers: {
      'Content-Type': 'application/json',
      ...(signature === undefined ? {} : { 'Stripe-Signature': signature }),
    },
  });
}

/** Signs and delivers a Stripe event. */
export function deliverEvent(client: TestClient, event: object) {
  const { payload, signature } = signedEvent(event);
  return deliver(client, payload, signature);
}

let eventCounter = 0;

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** A Stripe event envelope (`created` defaults to now, in seconds). */
export function stripeEvent(type: string, object: object, options: { id?: string; created?: number } = {}) {
  eventCounter += 1;
  return {
    id: options.id ?? `evt_test_${eventCounter}_${Date.now()}`,
    object: 'event',
    type,
    created: options.created ?? nowSeconds(),
    livemode: false,
    data: { object },
  };
}

/** checkout.session.completed for a subscription bought by `userId`. */
export function checkoutCompleted(
  userId: string,
  ids: { customer: string; subscription: string },
  options: { id?: string; created?: number } = {},
) {
  return stripeEvent(
    'checkout.session.completed',
    {
      id: `cs_test_${ids.subscription}`,
      object: 'checkout.session',
      mode: 'subscription',
      status: 'complete',
      client_reference_id: userId,
      customer: ids.customer,
      subscription: ids.subscription,
      metadata: { userId },
    },
    options,
  );
}

/** customer.subscription.* with a status (period end on the item, as newer API versions send it). */
export function subscriptionEvent(
  type: 'created' | 'updated' | 'deleted',
  sub: {
    id: string;
    customer: string;
    status: string;
    userId?: string;
    periodEnd?: number;
    cancelAtPeriodEnd?: boolean;
  },
  options: { id?: string; created?: number } = {},
) {
  return stripeEvent(
    `customer.subscription.${type}`,
    {
      id: sub.id,
      object: 'subscription',
      status: sub.status,
      customer: sub.customer,
      cancel_at_period_end: sub.cancelAtPeriodEnd ?? false,
      items: {
        object: 'list',
        data: [
          { object: 'subscription_item', current_period_end: sub.periodEnd ?? nowSeconds() + 30 * 86_400 },
        ],
      },
      metadata: sub.userId ? { userId: sub.userId } : {},
    },
    options,
  );
}

/** A promise the test resolves when it wants. */
export function gate() {
  const { promise, resolve } = Promise.withResolvers<void>();
  return { opened: promise, open: () => resolve() };
}

/** A model that answers only once the test opens its gate (a slow or hanging model). */
export class GatedLanguageModel implements LanguageModel {
  readonly calls: Turn[][] = [];
  private readonly gate = gate();

  open(): void {
    this.gate.open();
  }

  async reply(conversation: Turn[], _options?: ModelCallOptions): Promise<ModelReply> {
    this.calls.push(conversation);
    await this.gate.opened;
    return { text: `late answer to: ${conversation.at(-1)?.text}`, tokenUsage: null };
  }

  async *stream(conversation: Turn[], options?: ModelCallOptions): AsyncIterable<string> {
    yield (await this.reply(conversation, options)).text;
  }
}

/** Polls `path` until `done` holds for its body (or fails after `attempts` tries). */
export async function pollUntil(
  client: TestClient,
  path: string,
  token: string,
  done: (body: any) => boolean,
  attempts = 100,
): Promise<TestResponse> {
  let last: TestResponse | undefined;
  for (let attempt = 0; attempt < attempts; attempt++) {
    last = await client.get(path, { token });
    if (last.status === 200 && done(last.body)) return last;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`gave up polling ${path}: ${JSON.stringify(last?.body)}`);
}

/** Seconds from `now` to the next UTC midnight. */
export function secondsToUtcMidnight(now: Date): number {
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return Math.ceil((midnight - now.getTime()) / 1000);
}

/** The next UTC midnight after `now`, as the contract prints it. */
export function nextUtcMidnight(now: Date): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1)).toISOString();
}

/** A 6-digit code different from `code`. */
export function otherCode(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, '0');
}
