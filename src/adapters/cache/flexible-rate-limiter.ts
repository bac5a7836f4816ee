import type { Redis } from 'ioredis';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import type { Logger } from '#application/ports/logger.ts';
import type { RateLimitDecision, RateLimiter, RateLimitRule } from '#application/ports/rate-limiter.ts';
import { ServiceUnavailable } from '#application/shared/service-unavailable.ts';

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

export interface FlexibleRateLimiterOptions {
  rules: RateLimitRules;
  store: RateLimitStore;
  /** Where store failures are reported; without one they are only turned into ServiceUnavailable (hit) or dropped (refund). */
  logger?: Logger;
}

/**
 * Fixed-window limits from rate-limiter-flexible: in process, or in Redis (atomic Lua) shared by every API process.
 * A store that fails makes hit() throw ServiceUnavailable('redis') (503), never INTERNAL; refund() is best effort.
 */
export class FlexibleRateLimiter implements RateLimiter {
  private readonly limiters: Record<RateLimitRule, RateLimiterAbstract>;
  private readonly logger: Logger | undefined;

  constructor(options: FlexibleRateLimiterOptions) {
    this.logger = options.logger;
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
      if (rejection instanceof RateLimiterRes) {
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
      }
      this.logger?.warn({ err: rejection, rule }, 'rate limit store unavailable; refusing the call');
      throw new ServiceUnavailable('redis', 'The rate limit store is unavailable, try again shortly', {
        retryAfterSeconds: 1,
      });
    }
  }

  /** Best effort: a refund lost to a store failure only costs the user one attempt of the window. */
  async refund(rule: RateLimitRule, key: string): Promise<void> {
    try {
      await this.limiters[rule].reward(key, 1);
    } catch (error) {
      this.logger?.warn({ err: error, rule }, 'could not refund a rate limit hit');
    }
  }
}
