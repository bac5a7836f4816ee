import type { Logger } from '#application/ports/logger.ts';
import { type OtpSender, SmsUnavailable } from '#application/ports/otp-sender.ts';
import { ValidationFailed } from '#domain/shared/domain-error.ts';
import type { MobileNumber } from '#domain/user/mobile-number.ts';
import type { OtpPurpose } from '#domain/user/otp.ts';

export interface TwilioOptions {
  accountSid: string;
  authToken: string;
  /** A number (or sender id) of the account; with a Messaging Service as well, it must be in its pool. */
  fromNumber: string | undefined;
  /** A Messaging Service that picks the sender. */
  messagingServiceSid: string | undefined;
  /** https://api.twilio.com, or a stand-in speaking its wire format. */
  apiBase: string;
  timeoutMs: number;
  otpTtlSeconds: number;
  logger: Logger;
}

/** Twilio's error body. */
interface TwilioError {
  code?: number;
  message?: string;
  more_info?: string;
  status?: number;
}

/** Twilio errors that are about the number itself: 21211 not a valid number, 21614 not a mobile number. */
const UNREACHABLE_NUMBER = new Set([21211, 21614]);

const PURPOSE_TEXT: Record<OtpPurpose, string> = {
  login: 'login code',
  password_reset: 'password reset code',
};

/**
 * OTP_DELIVERY=twilio: one SMS per code through Twilio's Messages API (plain fetch, no SDK). Never retried:
 * Twilio has no idempotency key for messages, so a retry after a timeout could send the code twice.
 */
export class TwilioOtpSender implements OtpSender {
  readonly codeInResponse = false;
  private readonly options: TwilioOptions;
  private readonly url: string;
  private readonly authorization: string;

  constructor(options: TwilioOptions) {
    this.options = options;
    this.url = `${options.apiBase.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`;
    this.authorization = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;
  }

  async send(mobile: MobileNumber, code: string, purpose: OtpPurpose): Promise<null> {
    const { fromNumber, messagingServiceSid, logger } = this.options;
    const form = new URLSearchParams({ To: mobile });
    if (fromNumber) form.set('From', fromNumber);
    if (messagingServiceSid) form.set('MessagingServiceSid', messagingServiceSid);
    form.set('Body', this.text(code, purpose));

    const response = await this.post(form);
    const body = (await response.json().catch(() => ({}))) as TwilioError & { sid?: string };
    if (response.ok) {
      logger.info({ mobile, purpose, messageSid: body.sid }, 'one-time code sent by SMS');
      return null;
    }
    logger.warn(
      {
        mobile,
        status: response.status,
        twilioCode: body.code,
        twilioMessage: body.message,
        moreInfo: body.more_info,
      },
      'Twilio refused the SMS',
    );
    if (body.code !== undefined && UNREACHABLE_NUMBER.has(body.code)) {
      throw new ValidationFailed('mobile', 'This number cannot receive SMS');
    }
    throw new SmsUnavailable(retryAfterSeconds(response));
  }

  private async post(form: URLSearchParams): Promise<Response> {
    try {
      return await fetch(this.url, {
        method: 'POST',
        headers: {
          Authorization: this.authorization,
          'Content-Type': 'application/x-www-form-urlencoded',
          Accept: 'application/json',
        },
        body: form,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      const reason =
        error instanceof Error && error.name === 'TimeoutError'
          ? `no answer within ${this.options.timeoutMs} ms`
          : String((error as Error).cause ?? error);
      this.options.logger.warn({ reason }, 'Twilio could not be reached');
      throw new SmsUnavailable();
    }
  }

  private text(code: string, purpose: OtpPurpose): string {
    const minutes = Math.ceil(this.options.otpTtlSeconds / 60);
    return `${code} is your ${PURPOSE_TEXT[purpose]}. It expires in ${minutes} minutes. Do not share it.`;
  }
}

/** Twilio's 429 may say when to come back. */
function retryAfterSeconds(response: Response): number | undefined {
  const seconds = Number(response.headers.get('retry-after'));
  return Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
}
