import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CacheFixture } from './fixtures.ts';

/** The Cache port as the chatroom list cache relies on it. */
export function cacheContract(name: string, make: () => Promise<CacheFixture>): void {
  describe(`${name}: cache contract`, () => {
    let fixture: CacheFixture;

    beforeEach(async () => {
      fixture = await make();
    });

    afterEach(async () => {
      await fixture.close();
    });

    it('answers null for a key never set', async () => {
      expect(await fixture.cache.get('missing')).toBeNull();
    });

    it('returns what was set, and the latest value after an overwrite', async () => {
      await fixture.cache.set('list', '[1]', 60);
      expect(await fixture.cache.get('list')).toBe('[1]');
      await fixture.cache.set('list', '[1,2]', 60);
      expect(await fixture.cache.get('list')).toBe('[1,2]');
    });

    it('reads several keys at once, in the order asked, null for the missing ones', async () => {
      await fixture.cache.set('a', 'first', 60);
      await fixture.cache.increment('b');
      expect(await fixture.cache.getMany(['b', 'missing', 'a'])).toEqual(['1', null, 'first']);
    });

    it('answers many reads made at once, each with its own keys', async () => {
      await Promise.all(
        Array.from({ length: 30 }, (_, i) => fixture.cache.set(`room-${i}`, `list ${i}`, 60)),
      );
      const reads = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          fixture.cache.getMany([`room-${i}`, `gone-${i}`, `room-${29 - i}`]),
        ),
      );
      expect(reads).toEqual(Array.from({ length: 30 }, (_, i) => [`list ${i}`, null, `list ${29 - i}`]));
    });

    it('a read made once a write has answered sees that write', async () => {
      for (let i = 1; i <= 20; i++) {
        await fixture.cache.increment('generation');
        expect(await fixture.cache.getMany(['generation'])).toEqual([String(i)]);
      }
    });

    it('forgets a deleted key, and deleting a missing key is fine', async () => {
      await fixture.cache.set('list', '[1]', 60);
      await fixture.cache.delete('list');
      expect(await fixture.cache.get('list')).toBeNull();
      await expect(fixture.cache.delete('never-set')).resolves.toBeUndefined();
    });

    it('expires a value after its TTL', async () => {
      await fixture.cache.set('short', 'soon gone', 1);
      await fixture.cache.set('long', 'still here', 60);
      expect(await fixture.cache.get('short')).toBe('soon gone');
      await sleep(1_300);
      expect(await fixture.cache.get('short')).toBeNull();
      expect(await fixture.cache.get('long')).toBe('still here');
    });

    it('increments from zero and reads back the count as text', async () => {
      expect(await fixture.cache.increment('generation')).toBe(1);
      expect(await fixture.cache.increment('generation')).toBe(2);
      expect(await fixture.cache.get('generation')).toBe('2');
    });

    it('increments atomically under parallel calls', async () => {
      const values = await Promise.all(Array.from({ length: 20 }, () => fixture.cache.increment('counter')));
      expect([...values].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(await fixture.cache.get('counter')).toBe('20');
    });

    it('keeps keys apart', async () => {
      await fixture.cache.set('a', 'alpha', 60);
      await fixture.cache.set('b', 'beta', 60);
      await fixture.cache.increment('c');
      await fixture.cache.delete('a');
      expect(await fixture.cache.get('a')).toBeNull();
      expect(await fixture.cache.get('b')).toBe('beta');
      expect(await fixture.cache.increment('b-count')).toBe(1);
      expect(await fixture.cache.get('c')).toBe('1');
    });
  });
}
