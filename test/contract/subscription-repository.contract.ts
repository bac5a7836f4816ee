import { describe, expect, it } from 'vitest';
import type { SubscriptionStore } from '#application/ports/subscription-repository.ts';
import { Subscription } from '#domain/subscription/subscription.ts';
import { aBuiltId, aSubscription } from '#test/support/builders.ts';
import { at, eachTestOn, givens, type MakePersistence, NOT_UUIDS } from './persistence-givens.ts';

/** The SubscriptionRepository port, as the use cases rely on it. */
export function subscriptionRepositoryContract(name: string, make: MakePersistence): void {
  describe(`${name}: SubscriptionRepository contract`, () => {
    const fixture = eachTestOn(make);
    const reopened = () => fixture().reopen();
    const { givenUser } = givens(fixture);

    it('reads a saved subscription back by user, customer and subscription id', async () => {
      const user = await givenUser();
      const subscription = aSubscription({ userId: user.id, status: 'active', lastEventAt: 1_790_000_000 });
      await fixture().subscriptions.save(subscription);
      const byUser = await reopened().subscriptions.findByUserId(user.id);
      expect(byUser).toBeInstanceOf(Subscription);
      expect(byUser).toEqual(subscription);
      expect(byUser?.tier).toBe('pro');
      expect(await reopened().subscriptions.findByCustomerId(subscription.customerId!)).toEqual(subscription);
      expect(await reopened().subscriptions.findBySubscriptionId(subscription.subscriptionId!)).toEqual(
        subscription,
      );
    });

    it('answers null for unknown users, customers and subscriptions', async () => {
      await fixture().subscriptions.save(aSubscription({ userId: (await givenUser()).id, status: 'active' }));
      expect(await reopened().subscriptions.findByUserId((await givenUser()).id)).toBeNull();
      expect(await reopened().subscriptions.findByCustomerId('cus_unknown')).toBeNull();
      expect(await reopened().subscriptions.findBySubscriptionId('sub_unknown')).toBeNull();
    });

    it('saves changes over the existing subscription', async () => {
      const user = await givenUser();
      const subscription = aSubscription({ userId: user.id });
      await fixture().subscriptions.save(subscription);
      const changed = subscription.apply(
        { eventCreated: 1_790_000_000, subscriptionId: 'sub_new', status: 'past_due' },
        at(5),
      )!;
      await fixture().subscriptions.save(changed);
      const found = await reopened().subscriptions.findByUserId(user.id);
      expect(found).toEqual(changed);
      expect(await reopened().subscriptions.findBySubscriptionId('sub_new')).toEqual(changed);
    });

    it('applies an event id once, then reports it as a duplicate without running it', async () => {
      const user = await givenUser();
      const eventId = `evt_${aBuiltId()}`;
      let runs = 0;
      const activate = async (store: SubscriptionStore) => {
        runs += 1;
        const subscription = (await store.findByUserId(user.id)) ?? Subscription.none(user.id, at(0));
        await store.save(subscription.apply({ eventCreated: 1_790_000_000, status: 'active' }, at(1))!);
      };
      expect(await fixture().subscriptions.applyEventOnce(eventId, activate)).toBe('applied');
      expect(await fixture().subscriptions.applyEventOnce(eventId, activate)).toBe('duplicate');
      expect(runs).toBe(1);
      expect((await reopened().subscriptions.findByUserId(user.id))?.status).toBe('active');
    });

    it('applies one of 10 parallel deliveries of an event', async () => {
      const user = await givenUser();
      await fixture().subscriptions.save(Subscription.none(user.id, at(0)));
      const eventId = `evt_${aBuiltId()}`;
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, () =>
          fixture().subscriptions.applyEventOnce(eventId, async (store) => {
            const subscription = await store.findByUserId(user.id);
            await store.save(subscription!.apply({ eventCreated: 1_790_000_000, status: 'active' }, at(1))!);
          }),
        ),
      );
      expect(outcomes.filter((outcome) => outcome === 'applied')).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome === 'duplicate')).toHaveLength(9);
      expect((await reopened().subscriptions.findByUserId(user.id))?.status).toBe('active');
    });

    it('keeps nothing and does not claim the id when applying throws; a retry applies', async () => {
      const user = await givenUser();
      await fixture().subscriptions.save(Subscription.none(user.id, at(0)));
      const eventId = `evt_${aBuiltId()}`;
      const failure = new Error('apply failed');
      await expect(
        fixture().subscriptions.applyEventOnce(eventId, async (store) => {
          const subscription = await store.findByUserId(user.id);
          await store.save(
            subscription!.apply(
              { eventCreated: 1_790_000_000, status: 'active', customerId: 'cus_half' },
              at(1),
            )!,
          );
          throw failure;
        }),
      ).rejects.toBe(failure);
      const untouched = await reopened().subscriptions.findByUserId(user.id);
      expect(untouched).toMatchObject({ status: null, customerId: null, lastEventAt: null });

      const retried = await fixture().subscriptions.applyEventOnce(eventId, async (store) => {
        const subscription = await store.findByUserId(user.id);
        await store.save(subscription!.apply({ eventCreated: 1_790_000_000, status: 'active' }, at(2))!);
      });
      expect(retried).toBe('applied');
      expect((await reopened().subscriptions.findByUserId(user.id))?.status).toBe('active');
    });

    it("never replaces a newer event's state by saving an older one over it", async () => {
      const user = await givenUser();
      const canceled = aSubscription({ userId: user.id, status: 'canceled', lastEventAt: 300 });
      await fixture().subscriptions.save(canceled);
      await fixture().subscriptions.save(
        aSubscription({ userId: user.id, status: 'active', lastEventAt: 200 }),
      );
      await fixture().subscriptions.save(
        aSubscription({ userId: user.id, status: 'active', lastEventAt: null }),
      );
      expect(await reopened().subscriptions.findByUserId(user.id)).toEqual(canceled);
    });

    /** Resolves when `signal` does, or after `ms` when a lock keeps the other side from getting there. */
    function signalOrAfter(signal: Promise<unknown>, ms: number): Promise<unknown> {
      return Promise.race([signal, new Promise((resolve) => setTimeout(resolve, ms))]);
    }

    it("lets an event read a user's first subscription only once a parallel event creating it has committed", async () => {
      const user = await givenUser();
      let olderFound: Subscription | null = null;
      const newerRead = Promise.withResolvers<void>();
      const olderRead = Promise.withResolvers<void>();
      const newer = fixture().subscriptions.applyEventOnce(`evt_${aBuiltId()}`, async (store) => {
        const subscription = (await store.findByUserId(user.id)) ?? Subscription.none(user.id, at(0));
        newerRead.resolve();
        await signalOrAfter(olderRead.promise, 300);
        await store.save(
          subscription.apply({ eventCreated: 300, subscriptionId: 'sub_race', status: 'canceled' }, at(3))!,
        );
      });
      await newerRead.promise;
      const older = fixture().subscriptions.applyEventOnce(`evt_${aBuiltId()}`, async (store) => {
        olderFound = await store.findByUserId(user.id);
        olderRead.resolve();
        // Unless this read waited for the newer event, both read "no row yet": then save after it commits.
        await signalOrAfter(newer, 1_000);
        const subscription = olderFound ?? Subscription.none(user.id, at(0));
        const applied = subscription.apply(
          { eventCreated: 100, subscriptionId: 'sub_race', status: 'active' },
          at(1),
        );
        if (applied) await store.save(applied);
      });
      await Promise.all([newer, older]);
      expect(olderFound).toMatchObject({ status: 'canceled', lastEventAt: 300 });
      expect(await reopened().subscriptions.findByUserId(user.id)).toMatchObject({
        status: 'canceled',
        lastEventAt: 300,
      });
    });

    const finders = {
      findByUserId: (store: SubscriptionStore, stored: Subscription) => store.findByUserId(stored.userId),
      findByCustomerId: (store: SubscriptionStore, stored: Subscription) =>
        store.findByCustomerId(stored.customerId!),
      findBySubscriptionId: (store: SubscriptionStore, stored: Subscription) =>
        store.findBySubscriptionId(stored.subscriptionId!),
    };

    it.each(Object.keys(finders) as (keyof typeof finders)[])(
      'lets an event read a subscription (%s) only once a parallel event on it has committed',
      async (finder) => {
        const user = await givenUser();
        const stored = aSubscription({ userId: user.id, status: 'active', lastEventAt: 100 });
        await fixture().subscriptions.save(stored);
        const firstRead = Promise.withResolvers<void>();
        const secondRead = Promise.withResolvers<void>();
        const first = fixture().subscriptions.applyEventOnce(`evt_${aBuiltId()}`, async (store) => {
          const subscription = (await finders[finder](store, stored))!;
          firstRead.resolve();
          // Unless the second event waits for this one, it reads the row now, before this one is saved.
          await signalOrAfter(secondRead.promise, 300);
          await store.save(subscription.apply({ eventCreated: 200, cancelAtPeriodEnd: true }, at(2))!);
        });
        await firstRead.promise;
        const second = fixture().subscriptions.applyEventOnce(`evt_${aBuiltId()}`, async (store) => {
          const subscription = (await finders[finder](store, stored))!;
          secondRead.resolve();
          await store.save(subscription.apply({ eventCreated: 300, status: 'past_due' }, at(3))!);
        });
        await Promise.all([first, second]);
        expect(await reopened().subscriptions.findByUserId(user.id)).toMatchObject({
          status: 'past_due',
          cancelAtPeriodEnd: true,
          lastEventAt: 300,
        });
      },
    );

    it('links a customer to a user who has no subscription yet, as Basic', async () => {
      const user = await givenUser();
      expect(await fixture().subscriptions.linkCustomer(user.id, 'cus_linked', at(5))).toBe('cus_linked');
      expect(await reopened().subscriptions.findByCustomerId('cus_linked')).toEqual(
        new Subscription({ ...Subscription.none(user.id, at(5)), customerId: 'cus_linked' }),
      );
    });

    it('links a customer to a subscription that has none, keeping everything webhooks applied', async () => {
      const user = await givenUser();
      const paid = aSubscription({ userId: user.id, customerId: null, status: 'active', lastEventAt: 300 });
      await fixture().subscriptions.save(paid);
      expect(await fixture().subscriptions.linkCustomer(user.id, 'cus_linked', at(5))).toBe('cus_linked');
      expect(await reopened().subscriptions.findByUserId(user.id)).toEqual(
        new Subscription({ ...paid, customerId: 'cus_linked', updatedAt: at(5) }),
      );
    });

    it('keeps the customer linked first and answers it', async () => {
      const user = await givenUser();
      const linked = aSubscription({ userId: user.id, customerId: 'cus_first', status: 'canceled' });
      await fixture().subscriptions.save(linked);
      expect(await fixture().subscriptions.linkCustomer(user.id, 'cus_second', at(5))).toBe('cus_first');
      expect(await reopened().subscriptions.findByUserId(user.id)).toEqual(linked);
    });

    it('links one customer of 10 parallel links for a new user, and answers it to each', async () => {
      const user = await givenUser();
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          fixture().subscriptions.linkCustomer(user.id, `cus_${i}`, at(i)),
        ),
      );
      const stored = await reopened().subscriptions.findByUserId(user.id);
      expect(stored?.customerId).toMatch(/^cus_\d$/);
      expect(answers).toEqual(Array(10).fill(stored?.customerId));
    });

    it.each(NOT_UUIDS)('answers null for the user id %j, which is not a UUID', async (id) => {
      await fixture().subscriptions.save(aSubscription({ userId: (await givenUser()).id, status: 'active' }));
      expect(await reopened().subscriptions.findByUserId(id)).toBeNull();
    });
  });
}
