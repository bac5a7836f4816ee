import type { UserId } from '#domain/shared/ids.ts';
import type { SubscriptionStatus } from '#domain/subscription/subscription.ts';

/** Where an account stands on a day: its subscription's status (null: never subscribed) and the prompts it used. */
export interface AccountStanding {
  subscriptionStatus: SubscriptionStatus | null;
  used: number;
}

/** Both read at once (one statement on PostgreSQL): GET /user/me shows them on every call. */
export interface AccountStandings {
  standing(userId: UserId, day: string): Promise<AccountStanding>;
}
