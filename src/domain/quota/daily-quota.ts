import { DomainError } from '../shared/domain-error.ts';
import type { Tier } from '../subscription/subscription.ts';

const DAY_MS = 86_400_000;

export interface QuotaLimits {
  basic: number;
  /** 0 means unlimited. */
  pro: number;
}

export interface Usage {
  used: number;
  limit: number | null;
  remaining: number | null;
  resetsAt: Date;
  /** Seconds from the moment of reading to resetsAt. */
  resetsInSeconds: number;
}

/** The UTC day a prompt counts against, as YYYY-MM-DD. */
export function quotaDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

export function nextResetAt(now: Date): Date {
  return new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS + DAY_MS);
}

export function secondsUntilReset(now: Date): number {
  return Math.max(1, Math.ceil((nextResetAt(now).getTime() - now.getTime()) / 1000));
}

/** The daily prompt limit of a tier; null is unlimited. */
export function dailyLimit(tier: Tier, limits: QuotaLimits): number | null {
  const limit = tier === 'pro' ? limits.pro : limits.basic;
  return tier === 'pro' && limit === 0 ? null : limit;
}

export function usageOf(used: number, limit: number | null, now: Date): Usage {
  return {
    used,
    limit,
    remaining: limit === null ? null : Math.max(0, limit - used),
    resetsAt: nextResetAt(now),
    resetsInSeconds: secondsUntilReset(now),
  };
}

export class QuotaExceeded extends DomainError {
  readonly usage: Usage;

  constructor(usage: Usage, now: Date) {
    super(
      'QUOTA_EXCEEDED',
      `Daily limit of ${usage.limit} prompts reached; it resets at ${usage.resetsAt.toISOString()}`,
      {
        retryAfterSeconds: secondsUntilReset(now),
      },
    );
    this.usage = usage;
  }
}
