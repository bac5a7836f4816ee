import { describe, expect, it } from 'vitest';
import {
  dailyLimit,
  nextResetAt,
  QuotaExceeded,
  quotaDay,
  secondsUntilReset,
  usageOf,
} from '#domain/quota/daily-quota.ts';

const limits = { basic: 5, pro: 500 };

describe('the daily quota window', () => {
  it('counts against the UTC day', () => {
    expect(quotaDay(new Date('2026-11-23T00:00:00.000Z'))).toBe('2026-11-23');
    expect(quotaDay(new Date('2026-11-23T23:59:59.999Z'))).toBe('2026-11-23');
    expect(quotaDay(new Date('2026-11-24T05:00:00.000+05:30'))).toBe('2026-11-23');
  });

  it('resets at the next UTC midnight', () => {
    expect(nextResetAt(new Date('2026-11-23T10:00:00.000Z'))).toEqual(new Date('2026-11-24T00:00:00.000Z'));
    expect(nextResetAt(new Date('2026-11-23T00:00:00.000Z'))).toEqual(new Date('2026-11-24T00:00:00.000Z'));
    expect(nextResetAt(new Date('2026-12-31T23:59:59.999Z'))).toEqual(new Date('2027-01-01T00:00:00.000Z'));
  });

  it('says how many seconds until the reset, at least one', () => {
    expect(secondsUntilReset(new Date('2026-11-23T10:00:00.000Z'))).toBe(14 * 3600);
    expect(secondsUntilReset(new Date('2026-11-23T23:59:59.500Z'))).toBe(1);
    expect(secondsUntilReset(new Date('2026-11-23T00:00:00.000Z'))).toBe(86_400);
  });
});

describe('dailyLimit', () => {
  it('gives each tier its limit', () => {
    expect(dailyLimit('basic', limits)).toBe(5);
    expect(dailyLimit('pro', limits)).toBe(500);
  });

  it('makes Pro unlimited when its limit is 0, but not Basic', () => {
    expect(dailyLimit('pro', { basic: 5, pro: 0 })).toBeNull();
    expect(dailyLimit('basic', { basic: 0, pro: 0 })).toBe(0);
  });
});

describe('usageOf', () => {
  const now = new Date('2026-11-23T10:00:00.000Z');

  it('reports what is left and when it resets', () => {
    expect(usageOf(3, 5, now)).toEqual({
      used: 3,
      limit: 5,
      remaining: 2,
      resetsAt: new Date('2026-11-24T00:00:00.000Z'),
      resetsInSeconds: 14 * 3600,
    });
  });

  it('never reports a negative remainder, and none at all when unlimited', () => {
    expect(usageOf(7, 5, now).remaining).toBe(0);
    expect(usageOf(7, null, now)).toMatchObject({ limit: null, remaining: null });
  });

  it('refuses with QUOTA_EXCEEDED and a retry at the next UTC midnight', () => {
    const error = new QuotaExceeded(usageOf(5, 5, now), now);
    expect(error).toMatchObject({ code: 'QUOTA_EXCEEDED', retryAfterSeconds: 14 * 3600 });
    expect(error.usage.remaining).toBe(0);
  });
});
