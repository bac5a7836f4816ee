import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMIT_RULES, FlexibleRateLimiter } from '#adapters/cache/flexible-rate-limiter.ts';
import { ServiceUnavailable } from '#application/shared/service-unavailable.ts';
import { SilentLogger } from '#test/support/silent-logger.ts';

/** A Redis client whose every rate-limit script call fails, as when Redis is down. */
function brokenRedis(failure: Error): Redis {
  return {
    defineCommand: () => {},
    rlflxIncr: () => Promise.reject(failure),
  } as unknown as Redis;
}

function limiterOn(client: Redis, logger?: SilentLogger): FlexibleRateLimiter {
  return new FlexibleRateLimiter({
    rules: DEFAULT_RATE_LIMIT_RULES,
    store: { kind: 'redis', client, keyPrefix: 'test:' },
    logger,
  });
}

describe('FlexibleRateLimiter', () => {
  it('uses the limits of API.md by default', () => {
    expect(DEFAULT_RATE_LIMIT_RULES).toEqual({
      otpSend: { points: 5, durationSeconds: 3600 },
      loginFailure: { points: 10, durationSeconds: 900 },
    });
  });

  it('throws ServiceUnavailable (Redis, retry after 1 s) when the store fails, never a refusal or an internal error', async () => {
    const logger = new SilentLogger();
    const limiter = limiterOn(brokenRedis(new Error('redis down')), logger);
    const hit = limiter.hit('otpSend', '+919876543210');
    await expect(hit).rejects.toBeInstanceOf(ServiceUnavailable);
    await expect(hit).rejects.toMatchObject({ service: 'redis', retryAfterSeconds: 1 });
    expect(logger.entries).toMatchObject([
      { level: 'warn', fields: { rule: 'otpSend', err: { message: 'redis down' } } },
    ]);
  });

  it('still refuses, with the seconds to wait, once the budget is used up', async () => {
    const limiter = new FlexibleRateLimiter({
      rules: { ...DEFAULT_RATE_LIMIT_RULES, otpSend: { points: 1, durationSeconds: 60 } },
      store: { kind: 'memory' },
    });
    expect(await limiter.hit('otpSend', '+919876543210')).toEqual({ allowed: true, retryAfterSeconds: 0 });
    expect(await limiter.hit('otpSend', '+919876543210')).toEqual({ allowed: false, retryAfterSeconds: 60 });
  });

  it('makes a refund best effort: a store failure is logged, not thrown', async () => {
    const logger = new SilentLogger();
    const limiter = limiterOn(brokenRedis(new Error('redis down')), logger);
    await expect(limiter.refund('loginFailure', '+919876543210')).resolves.toBeUndefined();
    expect(logger.entries).toMatchObject([
      { level: 'warn', message: 'could not refund a rate limit hit', fields: { rule: 'loginFailure' } },
    ]);
  });

  it('swallows a failed refund without a logger too', async () => {
    const limiter = limiterOn(brokenRedis(new Error('redis down')));
    await expect(limiter.refund('loginFailure', '+919876543210')).resolves.toBeUndefined();
  });
});
