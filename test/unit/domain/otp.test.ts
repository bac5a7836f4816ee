import { describe, expect, it } from 'vitest';
import type { MobileNumber } from '#domain/user/mobile-number.ts';
import { MAX_OTP_ATTEMPTS, Otp } from '#domain/user/otp.ts';

const now = new Date('2026-11-23T10:00:00.000Z');

function issue(): Otp {
  return Otp.issue({
    id: 'otp-1',
    mobile: '+919876543210' as MobileNumber,
    purpose: 'login',
    codeHash: 'h',
    now,
    ttlSeconds: 300,
  });
}

describe('Otp', () => {
  it('is issued unused, with no attempts, expiring after its TTL', () => {
    const otp = issue();
    expect(otp).toMatchObject({ attempts: 0, consumedAt: null, createdAt: now });
    expect(otp.expiresAt).toEqual(new Date('2026-11-23T10:05:00.000Z'));
    expect(otp.expiresInSeconds(now)).toBe(300);
  });

  it('expires exactly at its expiry time', () => {
    const otp = issue();
    expect(otp.isExpired(new Date(otp.expiresAt.getTime() - 1))).toBe(false);
    expect(otp.isExpired(otp.expiresAt)).toBe(true);
    expect(otp.expiresInSeconds(new Date(otp.expiresAt.getTime() - 1))).toBe(1);
    expect(otp.expiresInSeconds(new Date(otp.expiresAt.getTime() + 5_000))).toBe(0);
  });

  it('is burned by the fifth wrong guess', () => {
    const otp = issue();
    otp.attempts = MAX_OTP_ATTEMPTS - 1;
    expect(otp.isBurned).toBe(false);
    otp.attempts = MAX_OTP_ATTEMPTS;
    expect(otp.isBurned).toBe(true);
    expect(MAX_OTP_ATTEMPTS).toBe(5);
  });
});
