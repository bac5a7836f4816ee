import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type TwilioOptions, TwilioOtpSender } from '#adapters/auth/twilio-otp-sender.ts';
import { SmsUnavailable } from '#application/ports/otp-sender.ts';
import { ValidationFailed } from '#domain/shared/domain-error.ts';
import { parseMobileNumber } from '#domain/user/mobile-number.ts';
import {
  basic,
  FakeTwilio,
  TWILIO_ACCOUNT_SID,
  TWILIO_AUTH_TOKEN,
  TWILIO_ERRORS,
  TWILIO_FROM_NUMBER,
  type TwilioFailure,
} from '#test/support/fake-twilio.ts';
import { freePort } from '#test/support/server-process.ts';

const MOBILE = parseMobileNumber('+919876543210');
const SERVICE_SID = `MG${'a'.repeat(32)}`;

/** A Logger that keeps its lines, to check what a failure leaves for the operator (and what it never logs). */
class KeptLog {
  readonly lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  info(fields: Record<string, unknown>, message: string) {
    this.lines.push({ level: 'info', fields, message });
  }
  warn(fields: Record<string, unknown>, message: string) {
    this.lines.push({ level: 'warn', fields, message });
  }
  error(fields: Record<string, unknown>, message: string) {
    this.lines.push({ level: 'error', fields, message });
  }
  get text(): string {
    return JSON.stringify(this.lines);
  }
}

let fake: FakeTwilio;
let log: KeptLog;

beforeAll(async () => {
  fake = await FakeTwilio.start();
});

afterAll(() => fake.close());

beforeEach(() => {
  fake.requests.length = 0;
  fake.messages.length = 0;
  log = new KeptLog();
});

function sender(options: Partial<TwilioOptions> = {}): TwilioOtpSender {
  return new TwilioOtpSender({
    accountSid: TWILIO_ACCOUNT_SID,
    authToken: TWILIO_AUTH_TOKEN,
    fromNumber: TWILIO_FROM_NUMBER,
    messagingServiceSid: undefined,
    apiBase: fake.apiBase,
    timeoutMs: 2_000,
    otpTtlSeconds: 300,
    logger: log,
    ...options,
  });
}

async function failure(send: Promise<unknown>): Promise<unknown> {
  return send.then(
    () => {
      throw new Error('the send succeeded');
    },
    (error: unknown) => error,
  );
}

describe('TwilioOtpSender', () => {
  it('sends the code by SMS from the configured number, with basic auth, and hands nothing back', async () => {
    expect(await sender().send(MOBILE, '123456', 'login')).toBeNull();

    expect(fake.messages).toEqual([
      {
        accountSid: TWILIO_ACCOUNT_SID,
        authorization: basic(TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN),
        contentType: expect.stringMatching(/^application\/x-www-form-urlencoded/),
        to: MOBILE,
        from: TWILIO_FROM_NUMBER,
        messagingServiceSid: undefined,
        body: '123456 is your login code. It expires in 5 minutes. Do not share it.',
      },
    ]);
    expect(sender().codeInResponse).toBe(false);
  });

  it('names a password reset code as such', async () => {
    await sender().send(MOBILE, '654321', 'password_reset');
    expect(fake.messages[0]?.body).toBe(
      '654321 is your password reset code. It expires in 5 minutes. Do not share it.',
    );
  });

  it('sends through a Messaging Service when one is configured instead of a number', async () => {
    await sender({ fromNumber: undefined, messagingServiceSid: SERVICE_SID }).send(MOBILE, '123456', 'login');
    expect(fake.messages[0]).toMatchObject({ messagingServiceSid: SERVICE_SID, from: undefined });
  });

  it('reaches Twilio under a base URL with a trailing slash', async () => {
    await sender({ apiBase: `${fake.apiBase}/` }).send(MOBILE, '123456', 'login');
    expect(fake.messages).toHaveLength(1);
  });

  it.each([
    ['an invalid number', TWILIO_ERRORS.invalidNumber],
    ['a number that is not a mobile', TWILIO_ERRORS.notMobile],
  ])('refuses %s as a validation problem on mobile', async (_, answer) => {
    fake.failNext(answer);
    const error = await failure(sender().send(MOBILE, '123456', 'login'));
    expect(error).toBeInstanceOf(ValidationFailed);
    expect((error as ValidationFailed).errors).toEqual([{ path: 'mobile', message: expect.any(String) }]);
  });

  it.each<[string, TwilioFailure, number | undefined]>([
    ['an unverified number (trial account)', TWILIO_ERRORS.unverifiedNumber, undefined],
    ['a rate limit', TWILIO_ERRORS.rateLimited, 30],
    ['a server error', TWILIO_ERRORS.serverError, undefined],
    ['an unavailable service', TWILIO_ERRORS.unavailable, undefined],
  ])(
    'turns %s into SmsUnavailable and logs Twilio’s error for the operator',
    async (_, answer, retryAfter) => {
      fake.failNext(answer);
      const error = await failure(sender().send(MOBILE, '123456', 'login'));
      expect(error).toBeInstanceOf(SmsUnavailable);
      expect((error as SmsUnavailable).retryAfterSeconds).toBe(retryAfter);
      const { code, status } = answer as { code: number; status: number };
      expect(log.lines).toContainEqual({
        level: 'warn',
        fields: expect.objectContaining({
          status,
          twilioCode: code,
          moreInfo: `https://www.twilio.com/docs/errors/${code}`,
        }),
        message: 'Twilio refused the SMS',
      });
    },
  );

  it('turns wrong credentials into SmsUnavailable, never logging the token or the code', async () => {
    const error = await failure(sender({ authToken: 'wrong-token' }).send(MOBILE, '123456', 'login'));
    expect(error).toBeInstanceOf(SmsUnavailable);
    expect(log.lines).toContainEqual(
      expect.objectContaining({ fields: expect.objectContaining({ status: 401, twilioCode: 20003 }) }),
    );
    expect(log.text).not.toContain('wrong-token');
    expect(log.text).not.toContain('123456');
  });

  it('turns a refused connection into SmsUnavailable', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const error = await failure(sender({ apiBase: closed }).send(MOBILE, '123456', 'login'));
    expect(error).toBeInstanceOf(SmsUnavailable);
    expect(log.lines.at(-1)?.message).toBe('Twilio could not be reached');
  });

  it('gives up on a Twilio that does not answer after the timeout', async () => {
    fake.failNext({ hang: true });
    const startedAt = Date.now();
    const error = await failure(sender({ timeoutMs: 300 }).send(MOBILE, '123456', 'login'));
    expect(error).toBeInstanceOf(SmsUnavailable);
    expect(Date.now() - startedAt).toBeLessThan(2_000);
    expect(log.lines.at(-1)).toMatchObject({ fields: { reason: 'no answer within 300 ms' } });
  });
});
