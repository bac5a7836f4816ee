import { TooManyRequests } from '#domain/shared/domain-error.ts';
import { parseMobileNumber } from '#domain/user/mobile-number.ts';
import { InvalidCredentials } from '#domain/user/user-errors.ts';
import type { PasswordHasher } from '../ports/password-hasher.ts';
import type { RateLimiter } from '../ports/rate-limiter.ts';
import type { SubscriptionStore } from '../ports/subscription-repository.ts';
import type { TokenService } from '../ports/token-service.ts';
import type { UserRepository } from '../ports/user-repository.ts';
import { tierOfUser } from '../shared/tier.ts';
import { openSession, type Session } from './session.ts';

export interface LogInDeps {
  users: UserRepository;
  hasher: PasswordHasher;
  tokens: TokenService;
  subscriptions: SubscriptionStore;
  rateLimiter: RateLimiter;
  /** A hash to verify against when there is no user, so both failures take as long. */
  decoyHash: Promise<string>;
}

/**
 * Every attempt reserves one of the mobile's failure budget before the password is checked (so parallel
 * guesses cannot overshoot it); a success returns it.
 */
export class LogIn {
  private readonly deps: LogInDeps;

  constructor(deps: LogInDeps) {
    this.deps = deps;
  }

  async execute(input: { mobile: string; password: string }): Promise<Session> {
    const { users, hasher, tokens, subscriptions, rateLimiter } = this.deps;
    const mobile = parseMobileNumber(input.mobile);
    const decision = await rateLimiter.hit('loginFailure', mobile);
    if (!decision.allowed) {
      throw new TooManyRequests('Too many failed logins for this mobile number', decision.retryAfterSeconds);
    }
    const user = await users.findByMobile(mobile);
    const hash = user?.passwordHash ?? (await this.deps.decoyHash);
    const valid = await hasher.verify(hash, input.password);
    if (!user?.passwordHash || !valid) throw new InvalidCredentials();
    await rateLimiter.refund('loginFailure', mobile);
    return openSession(tokens, { user, tier: await tierOfUser(subscriptions, user.id) }, 'pwd');
  }
}
