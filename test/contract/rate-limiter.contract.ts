import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RateLimitRule } from '#application/ports/rate-limiter.ts';
import type { RateLimiterFixture } from './fixtures.ts';

const RULES: RateLimitRule[] = ['otpSend', 'loginFailure'];

/** The RateLimiter port: fixed budgets per rule and key, exact under parallel hits. */
export function rateLimiterContract(name: string, make: () => Promise<RateLimiterFixture>): void {
  describe(`${name}: rate limiter contract`, () => {
    let fixture: RateLimiterFixture;

    beforeEach(async () => {
      fixture = await make();
    });

    afterEach(async () => {
      await fixture.close();
    });

    async function exhaust(rule: RateLimitRule, key: string): Promise<void> {
      for (let i = 0; i < fixture.rules[rule].points; i++) {
        expect(await fixture.limiter.hit(rule, key)).toEqual({ allowed: true, retryAfterSeconds: 0 });
      }
    }

    for (const rule of RULES) {
      it(`${rule}: allows its points, then refuses with a retry time within the window`, async () => {
        const key = `+91${randomUUID()}`;
        await exhaust(rule, key);
        const refused = await fixture.limiter.hit(rule, key);
        expect(refused.allowed).toBe(false);
        expect(refused.retryAfterSeconds).toBeGreaterThan(0);
        expect(refused.retryAfterSeconds).toBeLessThanOrEqual(fixture.rules[rule].durationSeconds);
      });
    }

    it('keeps keys apart', async () => {
      const key = `+91${randomUUID()}`;
      await exhaust('otpSend', key);
      expect((await fixture.limiter.hit('otpSend', `${key}-other`)).allowed).toBe(true);
    });

    it('keeps rules apart for the same key', async () => {
      const key = `+91${randomUUID()}`;
      await exhaust('otpSend', key);
      expect((await fixture.limiter.hit('loginFailure', key)).allowed).toBe(true);
    });

    it('gives one hit back on refund', async () => {
      const key = `+91${randomUUID()}`;
      await exhaust('loginFailure', key);
      await fixture.limiter.refund('loginFailure', key);
      expect((await fixture.limiter.hit('loginFailure', key)).allowed).toBe(true);
      expect((await fixture.limiter.hit('loginFailure', key)).allowed).toBe(false);
    });

    it('never allows more than its points under parallel hits', async () => {
      const key = `+91${randomUUID()}`;
      const { points } = fixture.rules.loginFailure;
      const decisions = await Promise.all(
        Array.from({ length: points * 3 }, () => fixture.limiter.hit('loginFailure', key)),
      );
      expect(decisions.filter((decision) => decision.allowed)).toHaveLength(points);
    });
  });
}
