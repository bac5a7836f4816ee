import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { CachedUserRepository } from '#adapters/cache/cached-user-repository.ts';
import { closeClient, createBullMqClient } from '#adapters/cache/redis-connection.ts';
import { RedisUserInvalidations } from '#adapters/cache/redis-user-invalidations.ts';
import { InMemoryStore } from '#adapters/persistence/in-memory/in-memory-store.ts';
import { InMemoryUserRepository } from '#adapters/persistence/in-memory/in-memory-user-repository.ts';
import { aUser } from '#test/support/builders.ts';
import { redisNamespace } from '#test/support/redis-keys.ts';
import { testRedis, withServices } from '#test/support/services.ts';
import { SilentLogger } from '#test/support/silent-logger.ts';

withServices([await testRedis()], () => {
  describe('users cached by several processes, told of changes over Redis', () => {
    const cleanUps: (() => Promise<void>)[] = [];

    afterEach(async () => {
      for (const cleanUp of cleanUps.splice(0).reverse()) await cleanUp();
    });

    /** `count` "processes" on one database (one store) and one Redis namespace, each with its own subscriber. */
    async function processes(count: number) {
      const space = await redisNamespace();
      cleanUps.push(space.cleanUp);
      const database = new InMemoryUserRepository(new InMemoryStore());
      const made = [];
      for (let i = 0; i < count; i++) {
        const subscriber = createBullMqClient(space.url, `test:subscriber:${i}`);
        cleanUps.push(() => closeClient(subscriber));
        const invalidations = new RedisUserInvalidations({
          client: space.client,
          subscriber,
          keyPrefix: space.prefix,
          logger: new SilentLogger(),
          ackTimeoutMs: 2000,
        });
        await invalidations.subscribe();
        made.push({
          subscriber,
          invalidations,
          users: new CachedUserRepository({ repository: database, invalidations }),
        });
      }
      return { database, processes: made };
    }

    it('refuses the old token version in every process once a password change has returned, 20 times out of 20', async () => {
      const {
        database,
        processes: [a, b, c],
      } = await processes(3);
      const user = aUser();
      await database.create(user);
      for (let round = 1; round <= 20; round++) {
        for (const process of [a, b, c]) await process!.users.findById(user.id);
        const writer = [a, b, c][round % 3]!;
        const changed = await writer.users.updatePassword(user.id, `hash-${round}`);
        for (const process of [a, b, c]) {
          expect((await process!.users.findById(user.id))?.tokenVersion).toBe(changed.tokenVersion);
        }
      }
    });

    it('finds nobody in any process once a deletion has returned', async () => {
      const {
        database,
        processes: [a, b],
      } = await processes(2);
      const user = aUser();
      await database.create(user);
      await a!.users.findById(user.id);
      await b!.users.findById(user.id);
      await a!.users.delete(user.id);
      expect(await b!.users.findById(user.id)).toBeNull();
    });

    it('reads the database while its subscription is down, and trusts its copies again once resubscribed', async () => {
      const {
        database,
        processes: [a, b],
      } = await processes(2);
      const user = aUser();
      await database.create(user);
      await b!.users.findById(user.id);
      expect(b!.invalidations.live).toBe(true);

      b!.subscriber.disconnect(true);
      await sleep(50);
      expect(b!.invalidations.live).toBe(false);
      // Changed while b cannot hear it: b must not serve its old copy.
      await database.updatePassword(user.id, 'changed-unannounced');
      expect((await b!.users.findById(user.id))?.tokenVersion).toBe(1);

      for (let i = 0; i < 100 && !b!.invalidations.live; i++) await sleep(20);
      expect(b!.invalidations.live).toBe(true);
      await a!.users.updatePassword(user.id, 'changed-announced');
      expect((await b!.users.findById(user.id))?.tokenVersion).toBe(2);
    });

    it('answers a change even when a subscriber never acknowledges (after the acknowledgement timeout)', async () => {
      const space = await redisNamespace();
      cleanUps.push(space.cleanUp);
      // A subscriber on the channel that never acknowledges: a process stuck or gone mid-announcement.
      const mute = createBullMqClient(space.url, 'test:mute');
      cleanUps.push(() => closeClient(mute));
      await mute.subscribe(`${space.prefix}users:changed`);
      const writer = createBullMqClient(space.url, 'test:writer');
      cleanUps.push(() => closeClient(writer));
      const invalidations = new RedisUserInvalidations({
        client: space.client,
        subscriber: writer,
        keyPrefix: space.prefix,
        logger: new SilentLogger(),
        ackTimeoutMs: 300,
      });
      await invalidations.subscribe();
      const started = performance.now();
      await invalidations.announce(aUser().id);
      const waited = performance.now() - started;
      expect(waited).toBeGreaterThanOrEqual(250);
      expect(waited).toBeLessThan(2000);
    });
  });
});
