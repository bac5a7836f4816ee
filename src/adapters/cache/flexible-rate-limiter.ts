import type { Redis } from 'ioredis';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import type { RateLimitDecision, RateLimiter, RateLimitRule } from '#application/ports/rate-limiter.ts';

export interface RateLimitBudget {
  points: number;
  durationSeconds: number;
}

export type RateLimitRules = Record<RateLimitRule, RateLimitBudget>;

export type RateLimitStore = { kind: 'memory' } | { kind: 'redis'; client: Redis; keyPrefix: string };

/** API.md: 5 codes per mobile per hour; 10 failed logins per mobile per 15 minutes. */
export const DEFAULT_RATE_LIMIT_RULES: RateLimitRules = {
  otpSend: { points: 5, durationSeconds: 3600 },
  loginFailure: { points: 10, durationSeconds: 900 },
};

/** Fixed-window limits from rate-limiter-flexible: in process, or in Redis (atomic Lua) shared by every API process. */
export class FlexibleRateLimiter implements RateLimiter {
  private readonly limiters: Record<RateLimitRule, RateLimiterAbstract>;

  constructor(options: { rules: RateLimitRules; store: RateLimitStore }) {
    const build = (rule: RateLimitRule): RateLimiterAbstract => {
      const { points, durationSeconds: duration } = options.rules[rule];
      const { store } = options;
      if (store.kind === 'memory') return new RateLimiterMemory({ points, duration, keyPrefix: rule });
      return new RateLimiterRedis({
        storeClient: store.client,
        points,
        duration,
        keyPrefix: `${store.keyPrefix}rl:${rule}`,
      });
    };
    this.limiters = { otpSend: build('otpSend'), loginFailure: build('loginFailure') };
  }

  async hit(rule: RateLimitRule, key: string): Promise<RateLimitDecision> {
    try {
      await this.limiters[rule].consume(key, 1);
      return { allowed: true, retryAfterSeconds: 0 };
    } catch (rejection) {
      // The library rejects with a RateLimiterRes when the budget is used up, with an Error when the store fails.
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
    }
  }

  async refund(rule: RateLimitRule, key: string): Promise<void> {
    await this.limiters[rule].reward(key, 1);
  }
}
