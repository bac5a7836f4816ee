import type { AccountStanding, AccountStandings } from '#application/ports/account-standings.ts';
import type { UserId } from '#domain/shared/ids.ts';
import { isSubscriptionStatus } from '#domain/subscription/subscription.ts';
import type { EntityManagers } from './entity-managers.ts';
import { isUuid } from './uuid.ts';

/** SubscriptionRepository.findByUserId's status and UsageCounter.used, in one round trip. */
const STANDING = `
  select (select status from subscriptions where user_id = ?::uuid) as status,
         coalesce((select used from daily_usage where user_id = ?::uuid and day = ?::date), 0) as used`;

export class PostgresAccountStandings implements AccountStandings {
  private readonly ems: EntityManagers;

  constructor(ems: EntityManagers) {
    this.ems = ems;
  }

  async standing(userId: UserId, day: string): Promise<AccountStanding> {
    if (!isUuid(userId)) return { subscriptionStatus: null, used: 0 };
    const [row] = await this.ems.query<{ status: string | null; used: number }>(STANDING, [
      userId,
      userId,
      day,
    ]);
    const status = row?.status ?? null;
    return {
      subscriptionStatus: status !== null && isSubscriptionStatus(status) ? status : null,
      used: Number(row?.used ?? 0),
    };
  }
}
