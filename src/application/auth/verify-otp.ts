import { ValidationFailed } from '#domain/shared/domain-error.ts';
import { parseMobileNumber } from '#domain/user/mobile-number.ts';
import { OTP_LENGTH, type Otp } from '#domain/user/otp.ts';
import { InvalidOtp, OtpExpired, TooManyAttempts } from '#domain/user/user-errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { OtpCodes } from '../ports/otp-codes.ts';
import type { OtpRepository } from '../ports/otp-repository.ts';
import type { SubscriptionStore } from '../ports/subscription-repository.ts';
import type { TokenService } from '../ports/token-service.ts';
import type { UserRepository } from '../ports/user-repository.ts';
import { tierOfUser } from '../shared/tier.ts';
import { openSession, type Session } from './session.ts';

export interface VerifyOtpDeps {
  users: UserRepository;
  otps: OtpRepository;
  codes: OtpCodes;
  tokens: TokenService;
  subscriptions: SubscriptionStore;
  clock: Clock;
}

const CODE = new RegExp(`^\\d{${OTP_LENGTH}}$`);

/** Accepts a code of either purpose. Wrong guesses are counted atomically on the stored code. */
export class VerifyOtp {
  private readonly deps: VerifyOtpDeps;

  constructor(deps: VerifyOtpDeps) {
    this.deps = deps;
  }

  async execute(input: { mobile: string; otp: string }): Promise<Session> {
    const { users, otps, codes, tokens, subscriptions, clock } = this.deps;
    const mobile = parseMobileNumber(input.mobile);
    if (!CODE.test(input.otp)) throw new ValidationFailed('otp', `must be ${OTP_LENGTH} digits`);
    const now = clock.now();
    const unused = await otps.findUnused(mobile);
    const matching = unused.find((otp) => codes.matches(input.otp, otp.codeHash));

    if (matching) {
      if (matching.isBurned) throw new TooManyAttempts();
      if (matching.isExpired(now)) throw new OtpExpired();
      if (!(await otps.consume(matching.id, now))) {
        throw (await this.isBurnedNow(matching)) ? new TooManyAttempts() : new InvalidOtp();
      }
      const user = await users.findByMobile(mobile);
      if (!user) throw new InvalidOtp();
      return openSession(tokens, { user, tier: await tierOfUser(subscriptions, user.id) }, 'otp');
    }

    const live = unused.filter((otp) => !otp.isExpired(now));
    if (live.length === 0) throw new InvalidOtp();
    const counted = await Promise.all(live.map((otp) => otps.recordFailedAttempt(otp.id)));
    if (counted.every((otp) => otp?.isBurned)) throw new TooManyAttempts();
    throw new InvalidOtp();
  }

  private async isBurnedNow(otp: Otp): Promise<boolean> {
    const current = (await this.deps.otps.findUnused(otp.mobile)).find(
      (candidate) => candidate.id === otp.id,
    );
    return current?.isBurned ?? false;
  }
}
