import { dailyLimit, quotaDay, type Usage, usageOf } from '#domain/quota/daily-quota.ts';
import type { UserId } from '#domain/shared/ids.ts';
import type { Tier } from '#domain/subscription/subscription.ts';
import type { UsageCounter } from '../ports/usage-counter.ts';
import type { Settings } from './settings.ts';

export async function currentUsage(
  counter: UsageCounter,
  settings: Settings,
  userId: UserId,
  tier: Tier,
  now: Date,
): Promise<Usage> {
  const used = await counter.used(userId, quotaDay(now));
  return usageOf(used, dailyLimit(tier, settings.quota), now);
}
