import { dailyLimit, quotaDay, type Usage, usageOf } from '#domain/quota/daily-quota.ts';
import { tierOf } from '#domain/subscription/subscription.ts';
import type { User } from '#domain/user/user.ts';
import type { Account } from '../auth/session.ts';
import type { AccountStandings } from '../ports/account-standings.ts';
import type { Clock } from '../ports/clock.ts';
import type { Settings } from '../shared/settings.ts';

export interface GetMeDeps {
  accounts: AccountStandings;
  clock: Clock;
  settings: Settings;
}

/** The signed-in user with their tier and today's quota (one read of where the account stands). */
export class GetMe {
  private readonly deps: GetMeDeps;

  constructor(deps: GetMeDeps) {
    this.deps = deps;
  }

  async execute(input: { user: User }): Promise<Account & { usage: Usage }> {
    const { accounts, clock, settings } = this.deps;
    const now = clock.now();
    const standing = await accounts.standing(input.user.id, quotaDay(now));
    const tier = tierOf(standing.subscriptionStatus);
    return { user: input.user, tier, usage: usageOf(standing.used, dailyLimit(tier, settings.quota), now) };
  }
}
