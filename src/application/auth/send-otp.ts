import { TooManyRequests } from '#domain/shared/domain-error.ts';
import { type MobileNumber, parseMobileNumber } from '#domain/user/mobile-number.ts';
import { Otp, type OtpPurpose } from '#domain/user/otp.ts';
import { UserNotFound } from '#domain/user/user-errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/id-generator.ts';
import type { OtpCodes } from '../ports/otp-codes.ts';
import type { OtpRepository } from '../ports/otp-repository.ts';
import type { OtpSender } from '../ports/otp-sender.ts';
import type { RateLimiter } from '../ports/rate-limiter.ts';
import type { UserRepository } from '../ports/user-repository.ts';
import type { Settings } from '../shared/settings.ts';

export interface OtpIssued {
  mobile: MobileNumber;
  /** Present when codes are delivered in the response (the mocked SMS). */
  otp: string | null;
  expiresAt: Date;
  expiresIn: number;
}

export interface SendOtpDeps {
  users: UserRepository;
  otps: OtpRepository;
  codes: OtpCodes;
  sender: OtpSender;
  rateLimiter: RateLimiter;
  ids: IdGenerator;
  clock: Clock;
  settings: Settings;
}

/**
 * Issues a code for a purpose; sends for login and for password reset share one hourly budget per mobile, known
 * or not. Unless the code goes back in the response (the mocked SMS), an unknown number gets the same answer as a
 * known one and no SMS, so the call cannot tell who is registered. The code is stored only once it went out: a
 * failed delivery leaves nothing usable behind.
 */
export async function issueOtp(
  deps: SendOtpDeps,
  rawMobile: string,
  purpose: OtpPurpose,
): Promise<OtpIssued> {
  const mobile = parseMobileNumber(rawMobile);
  const decision = await deps.rateLimiter.hit('otpSend', mobile);
  if (!decision.allowed) {
    throw new TooManyRequests('Too many codes requested for this mobile number', decision.retryAfterSeconds);
  }
  const user = await deps.users.findByMobile(mobile);
  if (!user && deps.sender.codeInResponse) throw new UserNotFound();
  const code = deps.codes.generate();
  const now = deps.clock.now();
  const otp = Otp.issue({
    id: deps.ids.next(),
    mobile,
    purpose,
    codeHash: deps.codes.hash(code),
    now,
    ttlSeconds: deps.settings.otpTtlSeconds,
  });
  const issued = { mobile, otp: null, expiresAt: otp.expiresAt, expiresIn: otp.expiresInSeconds(now) };
  if (!user) return issued;
  const shown = await deps.sender.send(mobile, code, purpose);
  await deps.otps.replace(otp);
  return { ...issued, otp: shown };
}

export class SendOtp {
  private readonly deps: SendOtpDeps;

  constructor(deps: SendOtpDeps) {
    this.deps = deps;
  }

  execute(input: { mobile: string }): Promise<OtpIssued> {
    return issueOtp(this.deps, input.mobile, 'login');
  }
}
