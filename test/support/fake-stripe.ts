import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { LocalHttpServer } from './local-http-server.ts';

/** One request as the fake Stripe API received it; `form` keeps Stripe's flat bracket keys (metadata[userId]). */
export interface StripeRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  form: Record<string, string>;
  idempotencyKey: string | undefined;
  /** Whether the answer was a replay of an earlier request with the same idempotency key. */
  replayed: boolean;
}

/** A scripted Stripe error (Stripe's error envelope). */
export interface StripeFailure {
  status: number;
  type: string;
  code?: string;
  message?: string;
}

const ROUTES: Record<string, (id: string, form: Record<string, string>) => Record<string, unknown>> = {
  '/v1/customers': (id, form) => ({
    id: `cus_fake_${id}`,
    object: 'customer',
    phone: form.phone ?? null,
    metadata: metadataOf(form, 'metadata'),
  }),
  '/v1/checkout/sessions': (id, form) => ({
    id: `cs_test_${id}`,
    object: 'checkout.session',
    mode: form.mode,
    customer: form.customer ?? null,
    client_reference_id: form.client_reference_id ?? null,
    metadata: metadataOf(form, 'metadata'),
    status: 'open',
    url: `https://checkout.stripe.com/c/pay/cs_test_${id}`,
  }),
  '/v1/billing_portal/sessions': (id, form) => ({
    id: `bps_${id}`,
    object: 'billing_portal.session',
    customer: form.customer,
    return_url: form.return_url ?? null,
    url: `https://billing.stripe.com/p/session/test_${id}`,
  }),
};

/**
 * A local HTTP server speaking Stripe's v1 wire format for the calls the gateway makes: form-encoded
 * bodies, Bearer auth, idempotency keys replayed like Stripe does, and scripted errors.
 */
export class FakeStripe {
  readonly requests: StripeRequest[] = [];
  private server!: LocalHttpServer;
  private readonly failures: { path: string; failure: StripeFailure }[] = [];
  private readonly replays = new Map<string, { status: number; body: unknown }>();
  private created = 0;

  static async start(): Promise<FakeStripe> {
    const fake = new FakeStripe();
    fake.server = await LocalHttpServer.start((req, res) => fake.handle(req, res));
    return fake;
  }

  get apiBase(): string {
    return this.server.url;
  }

  /** The next request to `path` fails with this error (queue several for several requests). */
  failNext(path: string, failure: StripeFailure): void {
    this.failures.push({ path, failure });
  }

  requestsTo(path: string): StripeRequest[] {
    return this.requests.filter((request) => request.path === path);
  }

  /** How many objects the fake really created (replays excluded). */
  get createdCount(): number {
    return this.created;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
    const idempotencyKey = header(req.headers['idempotency-key']);
    const replay = idempotencyKey ? this.replays.get(`${path} ${idempotencyKey}`) : undefined;
    this.requests.push({
      method: req.method ?? '',
      path,
      headers: req.headers,
      form,
      idempotencyKey,
      replayed: !!replay,
    });
    if (!/^Bearer sk_(test|live)_\w+$/.test(header(req.headers.authorization) ?? '')) {
      send(res, 401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } });
      return;
    }
    if (replay) {
      send(res, replay.status, replay.body, { 'idempotent-replayed': 'true' });
      return;
    }
    const index = this.failures.findIndex((entry) => entry.path === path);
    if (index !== -1) {
      const { status, ...error } = this.failures.splice(index, 1)[0]!.failure;
      send(
        res,
        status,
        { error: { message: 'Scripted failure', ...error } },
        { 'stripe-should-retry': status >= 500 ? 'true' : 'false' },
      );
      return;
    }
    const route = req.method === 'POST' ? ROUTES[path] : undefined;
    if (!route) {
      send(res, 404, {
        error: {
          type: 'invalid_request_error',
          message: `Unrecognized request URL (${req.method}: ${path})`,
        },
      });
      return;
    }
    this.created += 1;
    const body = route(String(this.created), form);
    if (idempotencyKey) this.replays.set(`${path} ${idempotencyKey}`, { status: 200, body });
    send(res, 200, body);
  }
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'request-id': `req_fake_${status}`,
    ...headers,
  });
  res.end(JSON.stringify(body));
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function metadataOf(form: Record<string, string>, prefix: string): Record<string, string> {
  const entries = Object.entries(form)
    .map(([key, value]) => [new RegExp(`^${prefix}\\[(\\w+)\\]$`).exec(key)?.[1], value] as const)
    .filter((entry): entry is readonly [string, string] => entry[0] !== undefined);
  return Object.fromEntries(entries);
}
