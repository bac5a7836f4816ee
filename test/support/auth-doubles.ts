import type { Clock } from '#application/ports/clock.ts';
import type { OtpCodes } from '#application/ports/otp-codes.ts';
import type { OtpSender } from '#application/ports/otp-sender.ts';
import type { PasswordHasher } from '#application/ports/password-hasher.ts';
import type { AuthMethod, IssuedToken, TokenClaims, TokenService } from '#application/ports/token-service.ts';
import type { UserId } from '#domain/shared/ids.ts';
import type { MobileNumber } from '#domain/user/mobile-number.ts';
import type { OtpPurpose } from '#domain/user/otp.ts';

const TOKEN_PREFIX = 'fake-token.';

/** Tokens that are readable JSON, issued at the test clock's time (the real one is JwtTokenService). */
export class FakeTokenService implements TokenService {
  private readonly clock: Clock;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  issue(claims: { userId: UserId; tokenVersion: number; method: AuthMethod }): IssuedToken {
    const body = JSON.stringify({ ...claims, issuedAt: this.clock.now().toISOString() });
    return { token: TOKEN_PREFIX + Buffer.from(body).toString('base64url'), expiresIn: 3600 };
  }

  verify(token: string): TokenClaims | null {
    if (!token.startsWith(TOKEN_PREFIX)) return null;
    try {
      const body = JSON.parse(Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url').toString());
      return { ...body, issuedAt: new Date(body.issuedAt) } as TokenClaims;
    } catch {
      return null;
    }
  }
}

/** A fast, reversible stand-in for argon2 (the real one is Argon2PasswordHasher). */
export class FakePasswordHasher implements PasswordHasher {
  async hash(password: string): Promise<string> {
    return `hashed:${password}`;
  }

  async verify(hash: string, password: string): Promise<boolean> {
    return hash === `hashed:${password}`;
  }
}

/**
 * Predictable codes 100001, 100002, … with a readable "hash" (the real HmacOtpCodes draws from a CSPRNG and
 * keeps only an HMAC, compared in constant time).
 */
export class SequentialOtpCodes implements OtpCodes {
  private issued = 100_000;

  generate(): string {
    this.issued += 1;
    return String(this.issued);
  }

  hash(code: string): string {
    return `otp-hash:${code}`;
  }

  matches(code: string, hash: string): boolean {
    return hash === this.hash(code);
  }
}

/**
 * Keeps what it sent. By default it delivers codes in the response, like OTP_DELIVERY=response; with
 * `codeInResponse: false` it stands for an SMS provider, and `failure` makes its sends fail (after recording).
 */
export class RecordingOtpSender implements OtpSender {
  readonly sent: { mobile: MobileNumber; code: string; purpose: OtpPurpose }[] = [];
  readonly codeInResponse: boolean;
  failure: Error | null = null;

  constructor(options: { codeInResponse?: boolean } = {}) {
    this.codeInResponse = options.codeInResponse ?? true;
  }

  async send(mobile: MobileNumber, code: string, purpose: OtpPurpose): Promise<string | null> {
    this.sent.push({ mobile, code, purpose });
    if (this.failure) throw this.failure;
    return this.codeInResponse ? code : null;
  }
}
