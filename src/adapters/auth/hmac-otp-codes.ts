import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import type { OtpCodes } from '#application/ports/otp-codes.ts';
import { OTP_LENGTH } from '#domain/user/otp.ts';

/** Codes from the CSPRNG; stored as HMAC-SHA256 under a server key, compared in constant time. */
export class HmacOtpCodes implements OtpCodes {
  private readonly key: Buffer;

  constructor(options: { key: string }) {
    this.key = createHmac('sha256', options.key).update('otp-codes').digest();
  }

  generate(): string {
    return randomInt(0, 10 ** OTP_LENGTH)
      .toString()
      .padStart(OTP_LENGTH, '0');
  }

  hash(code: string): string {
    return createHmac('sha256', this.key).update(code).digest('base64url');
  }

  matches(code: string, hash: string): boolean {
    const expected = Buffer.from(hash, 'base64url');
    const actual = createHmac('sha256', this.key).update(code).digest();
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }
}
