import type { MobileNumber } from '#domain/user/mobile-number.ts';
import type { OtpPurpose } from '#domain/user/otp.ts';
import { ServiceUnavailable } from '../shared/service-unavailable.ts';

/** Delivers a one-time code to a mobile number: by SMS, to the log, or back in the response (the mocked SMS). */
export interface OtpSender {
  /** True when the code goes back in the response: the caller sees it anyway, so nothing is hidden from them. */
  readonly codeInResponse: boolean;
  /**
   * Returns the code when it goes back in the response, else null. Throws SmsUnavailable when the provider
   * failed (the code may or may not have gone out), ValidationFailed on `mobile` when the number cannot get SMS.
   */
  send(mobile: MobileNumber, code: string, purpose: OtpPurpose): Promise<string | null>;
}

/** The SMS provider failed: an outage of the `sms` service (502 SMS_UNAVAILABLE). */
export class SmsUnavailable extends ServiceUnavailable {
  constructor(retryAfterSeconds?: number) {
    super('sms', 'The code could not be sent by SMS; try again shortly', { retryAfterSeconds });
  }
}
