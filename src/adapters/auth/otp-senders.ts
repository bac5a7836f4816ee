import type { Logger } from '#application/ports/logger.ts';
import type { OtpSender } from '#application/ports/otp-sender.ts';
import type { MobileNumber } from '#domain/user/mobile-number.ts';
import type { OtpPurpose } from '#domain/user/otp.ts';

/** The mocked SMS: the code goes back in the response (OTP_DELIVERY=response). */
export class ResponseOtpSender implements OtpSender {
  readonly codeInResponse = true;

  async send(_mobile: MobileNumber, code: string): Promise<string> {
    return code;
  }
}

/** Writes the code to the log only (OTP_DELIVERY=log), as a stand-in for an SMS provider. */
export class LogOtpSender implements OtpSender {
  readonly codeInResponse = false;
  private readonly logger: Logger;

  constructor(logger: Logger) {
    this.logger = logger;
  }

  async send(mobile: MobileNumber, code: string, purpose: OtpPurpose): Promise<null> {
    this.logger.info({ mobile, purpose, otp: code }, 'one-time code issued');
    return null;
  }
}
