import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMIT_RULES, FlexibleRateLimiter } from '#adapters/cache/flexible-rate-limiter.ts';

describe('FlexibleRateLimiter', () => {
  it('uses the limits of API.md by default', () => {
    expect(DEFAULT_RATE_LIMIT_RULES).toEqual({
      otpSend: { points: 5, durationSeconds: 3600 },
      loginFailure: { points: 10, durationSeconds: 900 },
    });
  });

  it('lets a store failure through instead of treating it as a refusal', async () => {
    const failure = new Error('redis down');
    const brokenRedis = {
      defineCommand: () => {},
      rlflxIncr: () => Promise.reject(failure),
    } as unknown as Redis;
    const limiter = new FlexibleRateLimiter({
      rules: DEFAULT_RATE_LIMIT_RULES,
      store: { kind: 'redis', client: brokenRedis, keyPrefix: 'test:' },
    });
    await expect(limiter.hit('otpSend', '+919876543210')).rejects.toBe(failure);
  });
});
