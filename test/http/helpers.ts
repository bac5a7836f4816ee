import { expect } from 'vitest';
import { signStripeEvent } from '#adapters/payments/stripe-events.ts';
import type {
  LanguageModel,
  ModelCallOptions,
  ModelReply,
  ModelStreamPart,
  Turn,
} from '#application/ports/language-model.ts';
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

/** Posts a raw body to the Stripe webhook with the given signature header (none when undefined). */
export function deliver(client: TestClient, rawBody: string, signature?: string) {
  return client.post('/webhook/stripe', undefined, {
    raw: rawBody,
    headers: {
      'Content-Type': 'application/json',
      ...(signature === undefined ? {} : { 'Stripe-Signature': signature }),
    },
  });
}

/** Signs a Stripe event with the test app's webhook secret and delivers it. */
export function deliverEvent(client: TestClient, event: object) {
  const { rawBody, signature } = signStripeEvent(event, TEST_WEBHOOK_SECRET);
  return deliver(client, rawBody, signature);
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
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

  async *stream(conversation: Turn[], options?: ModelCallOptions): AsyncIterable<ModelStreamPart> {
    const answer = await this.reply(conversation, options);
    yield { type: 'text', text: answer.text };
    yield { type: 'finish', finishReason: 'stop', tokenUsage: answer.tokenUsage };
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
