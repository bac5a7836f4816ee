import { describe, expect, it } from 'vitest';
import { aSubscription } from '#test/support/builders.ts';
import { eachTestOn, givens, type MakePersistence } from './persistence-givens.ts';

const DAY = '2026-11-23';

/** The AccountStandings port: what GET /user/me reads on every call, always the latest writes. */
export function accountStandingsContract(name: string, make: MakePersistence): void {
  describe(`${name}: AccountStandings contract`, () => {
    const fixture = eachTestOn(make);
    const { givenUser } = givens(fixture);

    it('reads a new account as never subscribed with nothing used', async () => {
      const user = await givenUser();
      expect(await fixture().accounts.standing(user.id, DAY)).toEqual({ subscriptionStatus: null, used: 0 });
    });

    it("reads the subscription's status and the day's count as they were just written", async () => {
      const user = await givenUser();
      await fixture().usage.take(user.id, DAY, null);
      await fixture().usage.take(user.id, DAY, null);
      await fixture().usage.take(user.id, '2026-11-22', null);
      await fixture().subscriptions.save(aSubscription({ userId: user.id, status: 'past_due' }));
      expect(await fixture().reopen().accounts.standing(user.id, DAY)).toEqual({
        subscriptionStatus: 'past_due',
        used: 2,
      });
      await fixture().usage.giveBack(user.id, DAY);
      expect(await fixture().accounts.standing(user.id, DAY)).toEqual({
        subscriptionStatus: 'past_due',
        used: 1,
      });
    });

    it("keeps one account's standing apart from another's", async () => {
      const [one, other] = [await givenUser(), await givenUser()];
      await fixture().usage.take(one.id, DAY, null);
      await fixture().subscriptions.save(aSubscription({ userId: one.id, status: 'active' }));
      expect(await fixture().accounts.standing(other.id, DAY)).toEqual({ subscriptionStatus: null, used: 0 });
    });

    it('reads a string that names no account as a new account', async () => {
      expect(await fixture().accounts.standing('not-a-user', DAY)).toEqual({
        subscriptionStatus: null,
        used: 0,
      });
    });
  });
}
