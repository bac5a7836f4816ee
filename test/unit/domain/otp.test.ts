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
    let otp = issue();
    for (let guess = 1; guess < MAX_OTP_ATTEMPTS; guess++) otp = otp.withFailedAttempt();
    expect(otp).toMatchObject({ attempts: 4, isBurned: false });
    expect(otp.consume(now)).not.toBeNull();
    otp = otp.withFailedAttempt();
    expect(otp).toMatchObject({ attempts: 5, isBurned: true });
    expect(MAX_OTP_ATTEMPTS).toBe(5);
  });

  it('is consumed once', () => {
    const consumed = issue().consume(now);
    expect(consumed).toMatchObject({ consumedAt: now, attempts: 0 });
    expect(consumed?.consume(now)).toBeNull();
  });

  it('is not consumed once burned or expired', () => {
    let burned = issue();
    for (let guess = 0; guess < MAX_OTP_ATTEMPTS; guess++) burned = burned.withFailedAttempt();
    expect(burned.isUsable(now)).toBe(false);
    expect(burned.consume(now)).toBeNull();
    const otp = issue();
    expect(otp.consume(new Date(otp.expiresAt.getTime() - 1))).not.toBeNull();
    expect(otp.consume(otp.expiresAt)).toBeNull();
  });

  it('leaves the code it came from unchanged', () => {
    const otp = issue();
    otp.withFailedAttempt();
    otp.consume(now);
    expect(otp).toMatchObject({ attempts: 0, consumedAt: null });
  });
});
