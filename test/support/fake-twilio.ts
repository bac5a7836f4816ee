import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalHttpServer } from './local-http-server.ts';

export const TWILIO_ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
export const TWILIO_AUTH_TOKEN = 'fake-twilio-auth-token';
export const TWILIO_FROM_NUMBER = '+15005550006';

/** One message create request as the fake received it (form fields as Twilio names them). */
export interface TwilioRequest {
  accountSid: string;
  authorization: string | undefined;
  contentType: string | undefined;
  to: string | undefined;
  from: string | undefined;
  messagingServiceSid: string | undefined;
  body: string | undefined;
}

/** A scripted answer: one of Twilio's errors, or no answer at all. */
export type TwilioFailure =
  | { status: number; code: number; message: string; retryAfter?: string }
  | { hang: true };

/** Twilio's answers to the failures the sender must handle (codes from twilio.com/docs/errors). */
export const TWILIO_ERRORS = {
  invalidNumber: { status: 400, code: 21211, message: "The 'To' number is not a valid phone number." },
  notMobile: { status: 400, code: 21614, message: "'To' number is not a valid mobile number" },
  unverifiedNumber: {
    status: 400,
    code: 21608,
    message: 'The number is unverified. Trial accounts cannot send messages to unverified numbers.',
  },
  rateLimited: { status: 429, code: 20429, message: 'Too Many Requests', retryAfter: '30' },
  serverError: { status: 500, code: 20500, message: 'An internal server error has occurred' },
  unavailable: { status: 503, code: 20503, message: 'Service unavailable' },
} satisfies Record<string, TwilioFailure>;

const MESSAGES = /^\/2010-04-01\/Accounts\/(AC\w+)\/Messages\.json$/;

/**
 * A local HTTP server speaking Twilio's Messages API: form-encoded creates under the account, HTTP basic auth
 * with the account SID and auth token, JSON error bodies `{ code, message, more_info, status }`, scripted failures.
 */
export class FakeTwilio {
  /** Every create request that reached the fake, answered or not. */
  readonly requests: TwilioRequest[] = [];
  /** The messages it accepted (201), as Twilio would send them. */
  readonly messages: TwilioRequest[] = [];
  private server!: LocalHttpServer;
  private readonly failures: TwilioFailure[] = [];
  private delayMs = 0;
  private created = 0;

  static async start(): Promise<FakeTwilio> {
    const fake = new FakeTwilio();
    fake.server = await LocalHttpServer.start((req, res) => fake.handle(req, res));
    return fake;
  }

  get apiBase(): string {
    return this.server.url;
  }

  /** The next create request fails this way (queue several for several requests). */
  failNext(failure: TwilioFailure): void {
    this.failures.push(failure);
  }

  /** Answers every later request only after `ms`, as a slow provider would. */
  answerAfter(ms: number): void {
    this.delayMs = ms;
  }

  /** The messages sent to a number, oldest first. */
  messagesTo(mobile: string): TwilioRequest[] {
    return this.messages.filter((message) => message.to === mobile);
  }

  /** The 6-digit code in the last message to a number (or in the last request when `attempted`). */
  lastCodeTo(mobile: string, options: { attempted?: boolean } = {}): string {
    const sent = (options.attempted ? this.requests : this.messages).filter((m) => m.to === mobile).at(-1);
    const code = /\b\d{6}\b/.exec(sent?.body ?? '')?.[0];
    if (!code) throw new Error(`no code was sent to ${mobile}`);
    return code;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const account = MESSAGES.exec(path)?.[1];
    if (req.method !== 'POST' || !account) {
      error(res, { status: 404, code: 20404, message: `The requested resource ${path} was not found` });
      return;
    }
    if (req.headers.authorization !== basic(account, TWILIO_AUTH_TOKEN) || account !== TWILIO_ACCOUNT_SID) {
      error(res, { status: 401, code: 20003, message: 'Authenticate' });
      return;
    }
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const request: TwilioRequest = {
      accountSid: account,
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
      to: form.get('To') ?? undefined,
      from: form.get('From') ?? undefined,
      messagingServiceSid: form.get('MessagingServiceSid') ?? undefined,
      body: form.get('Body') ?? undefined,
    };
    this.requests.push(request);
    if (this.delayMs > 0) await sleep(this.delayMs);

    const failure = this.failures.shift();
    if (failure && 'hang' in failure) return new Promise(() => {});
    if (failure) {
      error(res, failure);
      return;
    }
    if (!request.to)
      return error(res, { status: 400, code: 21604, message: "A 'To' phone number is required." });
    if (!request.from && !request.messagingServiceSid) {
      return error(res, { status: 400, code: 21603, message: "A 'From' phone number is required." });
    }
    if (!request.body) return error(res, { status: 400, code: 21602, message: 'Message body is required.' });

    this.created += 1;
    this.messages.push(request);
    const sid = `SM${String(this.created).padStart(32, '0')}`;
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        sid,
        account_sid: account,
        to: request.to,
        from: request.from ?? null,
        messaging_service_sid: request.messagingServiceSid ?? null,
        body: request.body,
        status: request.messagingServiceSid ? 'accepted' : 'queued',
        direction: 'outbound-api',
        api_version: '2010-04-01',
        uri: `/2010-04-01/Accounts/${account}/Messages/${sid}.json`,
      }),
    );
  }
}

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

function error(
  res: ServerResponse,
  failure: { status: number; code: number; message: string; retryAfter?: string },
): void {
  res.writeHead(failure.status, {
    'content-type': 'application/json',
    ...(failure.retryAfter ? { 'retry-after': failure.retryAfter } : {}),
  });
  res.end(
    JSON.stringify({
      code: failure.code,
      message: failure.message,
      more_info: `https://www.twilio.com/docs/errors/${failure.code}`,
      status: failure.status,
    }),
  );
}
