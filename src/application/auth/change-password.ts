import { TooManyRequests } from '#domain/shared/domain-error.ts';
import { checkPassword } from '#domain/user/password-policy.ts';
import type { User } from '#domain/user/user.ts';
import { InvalidCurrentPassword } from '#domain/user/user-errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { PasswordHasher } from '../ports/password-hasher.ts';
import type { RateLimiter } from '../ports/rate-limiter.ts';
import type { SubscriptionStore } from '../ports/subscription-repository.ts';
import type { TokenClaims, TokenService } from '../ports/token-service.ts';
import type { UserRepository } from '../ports/user-repository.ts';
import { tierOfUser } from '../shared/tier.ts';
import { openSession, type Session } from './session.ts';

/** A session opened with a one-time code this recently may set a new password without the old one. */
export const RESET_WINDOW_MS = 10 * 60 * 1000;

export interface ChangePasswordDeps {
  users: UserRepository;
  hasher: PasswordHasher;
  rateLimiter: RateLimiter;
  tokens: TokenService;
  subscriptions: SubscriptionStore;
  clock: Clock;
}

export interface ChangePasswordInput {
  user: User;
  claims: TokenClaims;
  newPassword: string;
  currentPassword?: string | undefined;
}

export class ChangePassword {
  private readonly deps: ChangePasswordDeps;

  constructor(deps: ChangePasswordDeps) {
    this.deps = deps;
  }

  async execute(input: ChangePasswordInput): Promise<Session> {
    const { users, hasher, tokens, subscriptions, clock } = this.deps;
    const newPassword = checkPassword(input.newPassword, 'newPassword');
    await this.authorize(input, clock.now());
    const passwordHash = await hasher.hash(newPassword);
    const user = await users.updatePassword(input.user.id, passwordHash);
    return openSession(tokens, { user, tier: await tierOfUser(subscriptions, user.id) }, 'pwd');
  }

  private async authorize({ user, claims, currentPassword }: ChangePasswordInput, now: Date): Promise<void> {
    if (!user.passwordHash) return;
    if (currentPassword !== undefined) {
      // Guesses at the current password share the account's failed-login budget (a stolen token is no shortcut).
      const { rateLimiter, hasher } = this.deps;
      const decision = await rateLimiter.hit('loginFailure', user.mobile);
      if (!decision.allowed) {
        throw new TooManyRequests('Too many wrong passwords for this account', decision.retryAfterSeconds);
      }
      if (!(await hasher.verify(user.passwordHash, currentPassword))) throw new InvalidCurrentPassword();
      await rateLimiter.refund('loginFailure', user.mobile);
      return;
    }
    const recentOtpSession =
      claims.method === 'otp' && now.getTime() - claims.issuedAt.getTime() < RESET_WINDOW_MS;
    if (!recentOtpSession) {
      throw new InvalidCurrentPassword('currentPassword is required (or sign in with a one-time code first)');
    }
  }
}
