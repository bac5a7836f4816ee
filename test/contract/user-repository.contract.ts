import { describe, expect, it } from 'vitest';
import { User } from '#domain/user/user.ts';
import { MobileTaken } from '#domain/user/user-errors.ts';
import { aMobile, aUser } from '#test/support/builders.ts';
import { eachTestOn, givens, type MakePersistence, NOT_UUIDS } from './persistence-givens.ts';

/** The UserRepository port, as the use cases rely on it. */
export function userRepositoryContract(name: string, make: MakePersistence): void {
  describe(`${name}: UserRepository contract`, () => {
    const fixture = eachTestOn(make);
    const reopened = () => fixture().reopen();
    const { givenUser } = givens(fixture);

    it('reads a created user back by id and by mobile', async () => {
      const user = await givenUser({ name: 'Ravi', passwordHash: 'hash-1' });
      const byId = await reopened().users.findById(user.id);
      expect(byId).toBeInstanceOf(User);
      expect(byId).toEqual(user);
      expect(await reopened().users.findByMobile(user.mobile)).toEqual(user);
    });

    it('keeps a user without name or password as nulls', async () => {
      const user = await givenUser({ name: null, passwordHash: null });
      const found = await reopened().users.findById(user.id);
      expect(found?.name).toBeNull();
      expect(found?.hasPassword).toBe(false);
    });

    it('answers null for an unknown id or mobile', async () => {
      await givenUser();
      expect(await reopened().users.findById(aUser().id)).toBeNull();
      expect(await reopened().users.findByMobile(aMobile())).toBeNull();
    });

    it.each(NOT_UUIDS)(
      'answers null for the id %j, which is not a UUID (e.g. a signed token subject)',
      async (id) => {
        await givenUser();
        expect(await reopened().users.findById(id)).toBeNull();
        await fixture().users.delete(id);
      },
    );

    it('refuses a second user with the same mobile', async () => {
      const first = await givenUser();
      await expect(fixture().users.create(aUser({ mobile: first.mobile }))).rejects.toBeInstanceOf(
        MobileTaken,
      );
      expect(await reopened().users.findByMobile(first.mobile)).toEqual(first);
    });

    it('lets exactly one of two concurrent sign-ups with one mobile through', async () => {
      const mobile = aMobile();
      const results = await Promise.allSettled([
        fixture().users.create(aUser({ mobile })),
        fixture().users.create(aUser({ mobile })),
      ]);
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.find((result) => result.status === 'rejected');
      expect(rejected?.reason).toBeInstanceOf(MobileTaken);
    });

    it('stores a new password hash and bumps the token version each time, answering the user as stored', async () => {
      const user = await givenUser({ passwordHash: null });
      expect(await fixture().users.updatePassword(user.id, 'hash-a')).toEqual(user.withPassword('hash-a'));
      const changed = await fixture().users.updatePassword(user.id, 'hash-b');
      expect(changed).toBeInstanceOf(User);
      expect(changed).toMatchObject({ passwordHash: 'hash-b', tokenVersion: 2 });
      expect(await reopened().users.findById(user.id)).toEqual(changed);
    });

    it('bumps the token version once for each of parallel password changes', async () => {
      const user = await givenUser();
      const changed = await Promise.all(
        Array.from({ length: 5 }, (_, i) => fixture().users.updatePassword(user.id, `hash-${i}`)),
      );
      expect(changed.map((stored) => stored.tokenVersion).sort()).toEqual([1, 2, 3, 4, 5]);
      expect((await reopened().users.findById(user.id))?.tokenVersion).toBe(5);
    });

    it('deletes a user', async () => {
      const user = await givenUser();
      const other = await givenUser();
      await fixture().users.delete(user.id);
      expect(await reopened().users.findById(user.id)).toBeNull();
      expect(await reopened().users.findByMobile(user.mobile)).toBeNull();
      expect(await reopened().users.findById(other.id)).toEqual(other);
    });
  });
}
