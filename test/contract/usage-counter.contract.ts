import { describe, expect, it } from 'vitest';
import { eachTestOn, givens, type MakePersistence } from './persistence-givens.ts';

const DAY = '2026-11-23';

/** The UsageCounter port, as the use cases rely on it. */
export function usageCounterContract(name: string, make: MakePersistence): void {
  describe(`${name}: UsageCounter contract`, () => {
    const fixture = eachTestOn(make);
    const reopened = () => fixture().reopen();
    const { givenUser } = givens(fixture);

    it('admits prompts up to the limit and refuses the next, reporting the count', async () => {
      const user = await givenUser();
      expect(await fixture().usage.take(user.id, DAY, 2)).toEqual({ admitted: true, used: 1 });
      expect(await fixture().usage.take(user.id, DAY, 2)).toEqual({ admitted: true, used: 2 });
      expect(await fixture().usage.take(user.id, DAY, 2)).toEqual({ admitted: false, used: 2 });
      expect(await reopened().usage.used(user.id, DAY)).toBe(2);
    });

    it('counts without a limit when the limit is null', async () => {
      const user = await givenUser();
      for (let i = 1; i <= 3; i++)
        expect(await fixture().usage.take(user.id, DAY, null)).toEqual({ admitted: true, used: i });
      expect(await reopened().usage.used(user.id, DAY)).toBe(3);
    });

    it('admits exactly the limit of 10 parallel takes', async () => {
      const user = await givenUser();
      const takes = await Promise.all(
        Array.from({ length: 10 }, () => fixture().usage.take(user.id, DAY, 5)),
      );
      expect(takes.filter((take) => take.admitted)).toHaveLength(5);
      expect(
        takes
          .filter((take) => take.admitted)
          .map((take) => take.used)
          .sort((a, b) => a - b),
      ).toEqual([1, 2, 3, 4, 5]);
      expect(await reopened().usage.used(user.id, DAY)).toBe(5);
    });

    it('gives a prompt back, never below zero', async () => {
      const user = await givenUser();
      await fixture().usage.take(user.id, DAY, 1);
      await fixture().usage.giveBack(user.id, DAY);
      expect(await reopened().usage.used(user.id, DAY)).toBe(0);
      await fixture().usage.giveBack(user.id, DAY);
      expect(await reopened().usage.used(user.id, DAY)).toBe(0);
      expect(await fixture().usage.take(user.id, DAY, 1)).toEqual({ admitted: true, used: 1 });
    });

    it('counts each day and each user apart', async () => {
      const user = await givenUser();
      const other = await givenUser();
      await fixture().usage.take(user.id, DAY, 1);
      expect(await fixture().usage.take(user.id, '2026-11-24', 1)).toEqual({ admitted: true, used: 1 });
      expect(await fixture().usage.take(other.id, DAY, 1)).toEqual({ admitted: true, used: 1 });
      expect(await reopened().usage.used(user.id, DAY)).toBe(1);
      expect(await reopened().usage.used(user.id, '2026-11-22')).toBe(0);
    });
  });
}
