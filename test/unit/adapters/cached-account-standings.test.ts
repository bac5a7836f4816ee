import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AccountChanges,
  AccountChangesMessages,
  AccountChangesSubscriptions,
  AccountChangesUnitOfWork,
  AccountChangesUsageCounter,
  CachedAccountStandings,
} from '#adapters/cache/cached-account-standings.ts';
import type { AccountStandings } from '#application/ports/account-standings.ts';
import type { Cache } from '#application/ports/cache.ts';
import { aChatroom, anExchange, aSubscription } from '#test/support/builders.ts';
import { SilentLogger } from '#test/support/silent-logger.ts';
import { aWorld, givenUser, type World } from '#test/support/world.ts';

const DAY = '2026-11-23';

/** The world's stores behind the account cache, with the decorated ports the use cases would get. */
function cachedWorld(world: World, cache: Cache = world.cache) {
  const changes = new AccountChanges({ cache, logger: new SilentLogger() });
  let reads = 0;
  const counting: AccountStandings = {
    standing: (userId, day) => {
      reads += 1;
      return world.accounts.standing(userId, day);
    },
  };
  return {
    changes,
    reads: () => reads,
    standings: new CachedAccountStandings({
      standings: counting,
      cache,
      changes,
      ttlSeconds: 300,
      logger: new SilentLogger(),
    }),
    usage: new AccountChangesUsageCounter(world.usage, changes),
    messages: new AccountChangesMessages(world.messages, changes),
    unitOfWork: new AccountChangesUnitOfWork(world.unitOfWork, changes),
    subscriptions: new AccountChangesSubscriptions(world.subscriptions, changes),
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('CachedAccountStandings', () => {
  it('reads the database once, then serves the standing from the cache', async () => {
    const world = aWorld();
    const cached = cachedWorld(world);
    const user = await givenUser(world);
    expect(await cached.standings.standing(user.id, DAY)).toEqual({ subscriptionStatus: null, used: 0 });
    expect(await cached.standings.standing(user.id, DAY)).toEqual({ subscriptionStatus: null, used: 0 });
    expect(cached.reads()).toBe(1);
  });

  it('serves a prompt taken or given back at once', async () => {
    const world = aWorld();
    const cached = cachedWorld(world);
    const user = await givenUser(world);
    await cached.standings.standing(user.id, DAY);
    await cached.usage.take(user.id, DAY, 5);
    expect((await cached.standings.standing(user.id, DAY)).used).toBe(1);
    await cached.usage.giveBack(user.id, DAY);
    expect((await cached.standings.standing(user.id, DAY)).used).toBe(0);
  });

  it('serves a prompt counted with its exchange at once', async () => {
    const world = aWorld();
    const cached = cachedWorld(world);
    const user = await givenUser(world);
    const chatroom = aChatroom({ ownerId: user.id });
    await world.chatrooms.create(chatroom);
    await cached.standings.standing(user.id, DAY);
    const { prompt, reply } = anExchange({ chatroomId: chatroom.id });
    expect(
      await cached.messages.addCountedExchange(prompt, reply, {
        userId: user.id,
        day: DAY,
        limits: { basic: 5, pro: 5 },
      }),
    ).toEqual({ admitted: true, used: 1, tier: 'basic' });
    expect((await cached.standings.standing(user.id, DAY)).used).toBe(1);
  });

  it('lets a scope go on while its invalidation is under way, and ends the scope only once it has landed', async () => {
    const world = aWorld();
    let land = () => {};
    const landed = new Promise<void>((resolve) => {
      land = resolve;
    });
    // A cache whose increments wait for `land`: the scope's write must not wait for it, the scope must.
    const slow: Cache = {
      get: (key) => world.cache.get(key),
      getMany: (keys) => world.cache.getMany(keys),
      set: (key, value, ttl) => world.cache.set(key, value, ttl),
      delete: (key) => world.cache.delete(key),
      increment: async (key) => {
        await landed;
        return world.cache.increment(key);
      },
    };
    const cached = cachedWorld(world, slow);
    const user = await givenUser(world);
    await cached.standings.standing(user.id, DAY);
    const steps: string[] = [];

    const scope = cached.changes.deferring(async () => {
      await cached.usage.take(user.id, DAY, 5);
      steps.push('taken');
    });
    await vi.waitFor(() => expect(steps).toEqual(['taken']));
    const ended = scope.then(() => steps.push('scope ended'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(steps).toEqual(['taken']);

    land();
    await ended;
    expect(steps).toEqual(['taken', 'scope ended']);
    expect((await cached.standings.standing(user.id, DAY)).used).toBe(1);
  });

  it('invalidates a change made in a unit of work only once it has committed, and never one rolled back', async () => {
    const world = aWorld();
    const cached = cachedWorld(world);
    const user = await givenUser(world);
    await cached.standings.standing(user.id, DAY);
    const generation = `accounts:v1:${user.id}:generation`;

    await cached.unitOfWork.atomically(async () => {
      await cached.usage.take(user.id, DAY, 5);
      // Not yet: a read now could fill the new generation with rows another connection cannot see yet.
      expect(await world.cache.get(generation)).toBeNull();
    });
    expect(await world.cache.get(generation)).toBe('1');
    expect((await cached.standings.standing(user.id, DAY)).used).toBe(1);

    await expect(
      cached.unitOfWork.atomically(async () => {
        await cached.usage.take(user.id, DAY, 5);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await world.cache.get(generation)).toBe('1');
  });

  it('invalidates once the outer unit of work commits when units of work nest', async () => {
    const world = aWorld();
    const cached = cachedWorld(world);
    const user = await givenUser(world);
    const generation = `accounts:v1:${user.id}:generation`;
    await cached.unitOfWork.atomically(async () => {
      await cached.unitOfWork.atomically(() => cached.usage.take(user.id, DAY, 5));
      expect(await world.cache.get(generation)).toBeNull();
    });
    expect(await world.cache.get(generation)).toBe('1');
  });

  it('serves a subscription saved by a payment event, or directly, at once', async () => {
    const world = aWorld();
    const cached = cachedWorld(world);
    const user = await givenUser(world);
    await cached.standings.standing(user.id, DAY);
    await cached.subscriptions.applyEventOnce('evt_1', (store) =>
      store.save(aSubscription({ userId: user.id, status: 'active' })),
    );
    expect((await cached.standings.standing(user.id, DAY)).subscriptionStatus).toBe('active');
    const current = await world.subscriptions.findByUserId(user.id);
    await cached.subscriptions.save(aSubscription({ ...current, userId: user.id, status: 'canceled' }));
    expect((await cached.standings.standing(user.id, DAY)).subscriptionStatus).toBe('canceled');
  });

  it('does not serve a standing filled before a change that raced with it', async () => {
    const world = aWorld();
    const user = await givenUser(world);
    let release = () => {};
    let stallNext = true;
    const cached = cachedWorld(world);
    const slow = new CachedAccountStandings({
      standings: {
        standing: async (userId, day) => {
          const read = await world.accounts.standing(userId, day);
          if (stallNext) {
            stallNext = false;
            await new Promise<void>((resolve) => {
              release = resolve;
            });
          }
          return read;
        },
      },
      cache: world.cache,
      changes: cached.changes,
      ttlSeconds: 300,
      logger: new SilentLogger(),
    });
    const staleRead = slow.standing(user.id, DAY);
    await new Promise((resolve) => setImmediate(resolve));
    await cached.usage.take(user.id, DAY, 5);
    release();
    expect((await staleRead).used).toBe(0);
    expect((await slow.standing(user.id, DAY)).used).toBe(1);
  });

  it('reads the next day afresh', async () => {
    const world = aWorld();
    const cached = cachedWorld(world);
    const user = await givenUser(world);
    await world.usage.take(user.id, '2026-11-24', 5);
    await cached.standings.standing(user.id, DAY);
    expect((await cached.standings.standing(user.id, '2026-11-24')).used).toBe(1);
  });

  it('reads the database while a failed invalidation is retried, and trusts the cache again once it lands', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    const world = aWorld();
    let down = false;
    const flaky: Cache = {
      get: (key) => world.cache.get(key),
      getMany: (keys) => world.cache.getMany(keys),
      set: (key, value, ttl) => world.cache.set(key, value, ttl),
      delete: (key) => world.cache.delete(key),
      increment: (key) => (down ? Promise.reject(new Error('cache down')) : world.cache.increment(key)),
    };
    const cached = cachedWorld(world, flaky);
    const user = await givenUser(world);
    await cached.standings.standing(user.id, DAY);
    down = true;
    await cached.usage.take(user.id, DAY, 5);
    expect((await cached.standings.standing(user.id, DAY)).used).toBe(1);
    down = false;
    await vi.advanceTimersByTimeAsync(600);
    const reads = cached.reads();
    expect((await cached.standings.standing(user.id, DAY)).used).toBe(1);
    expect((await cached.standings.standing(user.id, DAY)).used).toBe(1);
    expect(cached.reads()).toBe(reads + 1);
  });
});
