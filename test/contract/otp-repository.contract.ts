import { describe, expect, it } from 'vitest';
import { MAX_OTP_ATTEMPTS, Otp } from '#domain/user/otp.ts';
import { aMobile, anOtp } from '#test/support/builders.ts';
import { at, eachTestOn, type MakePersistence, NOT_UUIDS } from './persistence-givens.ts';

/** The OtpRepository port, as the use cases rely on it. */
export function otpRepositoryContract(name: string, make: MakePersistence): void {
  describe(`${name}: OtpRepository contract`, () => {
    const fixture = eachTestOn(make);
    const reopened = () => fixture().reopen();

    it('reads a stored code back', async () => {
      const otp = anOtp({ mobile: aMobile() });
      await fixture().otps.replace(otp);
      const [found] = await reopened().otps.findUnused(otp.mobile);
      expect(found).toBeInstanceOf(Otp);
      expect(found).toEqual(otp);
    });

    it('replaces only the unused code of the same purpose, and lists the newest first', async () => {
      const mobile = aMobile();
      const oldLogin = anOtp({ mobile, purpose: 'login', createdAt: at(0) });
      const reset = anOtp({ mobile, purpose: 'password_reset', createdAt: at(1) });
      const newLogin = anOtp({ mobile, purpose: 'login', createdAt: at(2) });
      await fixture().otps.replace(oldLogin);
      await fixture().otps.replace(reset);
      await fixture().otps.replace(newLogin);
      expect((await reopened().otps.findUnused(mobile)).map((otp) => otp.id)).toEqual([
        newLogin.id,
        reset.id,
      ]);
    });

    it('lists only the unused codes of that mobile, expired ones included (the caller decides)', async () => {
      const mobile = aMobile();
      const used = anOtp({ mobile, purpose: 'login', createdAt: at(0) });
      const expired = anOtp({
        mobile,
        purpose: 'password_reset',
        createdAt: at(1),
        expiresAt: new Date('2000-01-01'),
      });
      await fixture().otps.replace(used);
      await fixture().otps.replace(expired);
      await fixture().otps.replace(anOtp({ mobile: aMobile() }));
      expect(await fixture().otps.consume(used.id, at(2))).toBe(true);
      expect((await reopened().otps.findUnused(mobile)).map((otp) => otp.id)).toEqual([expired.id]);
    });

    it('counts a wrong guess, answering the code as stored', async () => {
      const otp = anOtp({ mobile: aMobile() });
      await fixture().otps.replace(otp);
      const counted = await fixture().otps.recordFailedAttempt(otp.id);
      expect(counted).toBeInstanceOf(Otp);
      expect(counted).toEqual(otp.withFailedAttempt());
      expect(await reopened().otps.findUnused(otp.mobile)).toEqual([counted]);
    });

    it('counts wrong guesses atomically under parallel calls', async () => {
      const otp = anOtp({ mobile: aMobile() });
      await fixture().otps.replace(otp);
      const counted = await Promise.all(
        Array.from({ length: 10 }, () => fixture().otps.recordFailedAttempt(otp.id)),
      );
      const counts = counted.map((stored) => stored?.attempts ?? 0);
      expect(counts.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      const [found] = await reopened().otps.findUnused(otp.mobile);
      expect(found?.attempts).toBe(10);
    });

    it('consumes a code once, also under parallel calls', async () => {
      const otp = anOtp({ mobile: aMobile() });
      await fixture().otps.replace(otp);
      const results = await Promise.all(
        Array.from({ length: 10 }, () => fixture().otps.consume(otp.id, at(10))),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await fixture().otps.consume(otp.id, at(11))).toBe(false);
      expect(await reopened().otps.findUnused(otp.mobile)).toEqual([]);
    });

    it('refuses to consume a burned code, and consumes one just below the limit', async () => {
      const mobile = aMobile();
      const burned = anOtp({ mobile, purpose: 'login' });
      const nearlyBurned = anOtp({ mobile, purpose: 'password_reset' });
      await fixture().otps.replace(burned);
      await fixture().otps.replace(nearlyBurned);
      for (let i = 0; i < MAX_OTP_ATTEMPTS; i++) await fixture().otps.recordFailedAttempt(burned.id);
      for (let i = 0; i < MAX_OTP_ATTEMPTS - 1; i++)
        await fixture().otps.recordFailedAttempt(nearlyBurned.id);
      expect(await fixture().otps.consume(burned.id, at(10))).toBe(false);
      expect(await fixture().otps.consume(nearlyBurned.id, at(10))).toBe(true);
      const unused = await reopened().otps.findUnused(mobile);
      expect(unused.map((otp) => [otp.id, otp.isBurned])).toEqual([[burned.id, true]]);
    });

    it('refuses to consume a code at or after its expiry', async () => {
      const otp = anOtp({ mobile: aMobile() });
      await fixture().otps.replace(otp);
      expect(await fixture().otps.consume(otp.id, otp.expiresAt)).toBe(false);
      expect(await fixture().otps.consume(otp.id, new Date(otp.expiresAt.getTime() - 1))).toBe(true);
    });

    it.each(NOT_UUIDS)('answers "no such code" for the id %j, which is not a UUID', async (id) => {
      await fixture().otps.replace(anOtp({ mobile: aMobile() }));
      expect(await fixture().otps.recordFailedAttempt(id)).toBeNull();
      expect(await fixture().otps.consume(id, at(1))).toBe(false);
    });
  });
}
