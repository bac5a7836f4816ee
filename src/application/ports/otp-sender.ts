import type { MobileNumber } from '#domain/user/mobile-number.ts';
import type { OtpPurpose } from '#domain/user/otp.ts';

/** Delivers a code. Returns the code when delivery is "in the response" (the mocked SMS), else null. */
export interface OtpSender {
  send(mobile: MobileNumber, code: string, purpose: OtpPurpose): Promise<string | null>;
}
