import { describe, expect, it } from 'vitest';
import type { IdempotencyClaim } from '#application/ports/idempotency-keys.ts';
import { sequentialId } from '#test/support/ids.ts';
import { at, eachTestOn, givens, type MakePersistence } from './persistence-givens.ts';

/** The IdempotencyKeys port, as SendMessage relies on it: one claim per user and key, atomic, for 24 hours. */
export function idempotencyKeysContract(name: string, make: MakePersistence): void {
  describe(`${name}: IdempotencyKeys contract`, () => {
    const fixture = eachTestOn(make);
    const { givenUser } = givens(fixture);
    let next = 100;

    async function aClaim(overrides: Partial<IdempotencyClaim> = {}): Promise<IdempotencyClaim> {
      next += 3;
      return {
        userId: overrides.userId ?? (await givenUser()).id,
        key: 'key-1',
        chatroomId: sequentialId(next),
        promptId: sequentialId(next + 1),
        replyId: sequentialId(next + 2),
        createdAt: at(0),
        ...overrides,
      };
    }

    it('gives a new key to its first claim, and the held claim to every later one', async () => {
      const first = await aClaim();
      expect(await fixture().idempotencyKeys.claim(first)).toBeNull();
      const second = await aClaim({ userId: first.userId, createdAt: at(60) });
      expect(await fixture().reopen().idempotencyKeys.claim(second)).toEqual(first);
    });

    it('keeps keys of different users and different keys apart', async () => {
      const mine = await aClaim();
      expect(await fixture().idempotencyKeys.claim(mine)).toBeNull();
      expect(await fixture().idempotencyKeys.claim(await aClaim())).toBeNull();
      expect(
        await fixture().idempotencyKeys.claim(await aClaim({ userId: mine.userId, key: 'key-2' })),
      ).toBeNull();
    });

    it('lets exactly one of parallel claims of a key win; the others get the winner', async () => {
      const user = await givenUser();
      const claims = await Promise.all(Array.from({ length: 8 }, () => aClaim({ userId: user.id })));
      const results = await Promise.all(claims.map((claim) => fixture().idempotencyKeys.claim(claim)));
      const winners = results.filter((result) => result === null);
      expect(winners).toHaveLength(1);
      const winner = claims[results.indexOf(null)]!;
      for (const result of results) if (result) expect(result.replyId).toBe(winner.replyId);
    });

    it('frees a released claim, but only the claim of that reply', async () => {
      const first = await aClaim();
      await fixture().idempotencyKeys.claim(first);
      await fixture().idempotencyKeys.release(first.userId, first.key, sequentialId(9999));
      const later = await aClaim({ userId: first.userId });
      expect(await fixture().idempotencyKeys.claim(later)).toEqual(first);
      await fixture().idempotencyKeys.release(first.userId, first.key, first.replyId);
      expect(await fixture().idempotencyKeys.claim(later)).toBeNull();
    });

    it('lets a key be claimed again once its claim is 24 hours old', async () => {
      const first = await aClaim();
      await fixture().idempotencyKeys.claim(first);
      const almost = await aClaim({ userId: first.userId, createdAt: at(24 * 3600 - 1) });
      expect(await fixture().idempotencyKeys.claim(almost)).toEqual(first);
      const dayLater = await aClaim({ userId: first.userId, createdAt: at(24 * 3600) });
      expect(await fixture().idempotencyKeys.claim(dayLater)).toBeNull();
      expect(await fixture().reopen().idempotencyKeys.claim(almost)).toEqual(dayLater);
    });
  });
}
