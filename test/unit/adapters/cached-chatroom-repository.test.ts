import { afterEach, describe, expect, it, vi } from 'vitest';
import { CachedChatroomRepository } from '#adapters/cache/cached-chatroom-repository.ts';
import type { Cache } from '#application/ports/cache.ts';
import type { ChatroomRepository, OwnedChatrooms } from '#application/ports/chatroom-repository.ts';
import { Chatroom } from '#domain/chatroom/chatroom.ts';
import { aBuiltId, aChatroom } from '#test/support/builders.ts';
import { aWorld, type World } from '#test/support/world.ts';

const TTL_SECONDS = 300;
const RETRY_MS = 500;

/** The world's in-memory chatrooms behind the list cache (the world's cache unless told otherwise). */
function cached(world: World, options: { cache?: Cache; repository?: ChatroomRepository } = {}) {
  return new CachedChatroomRepository({
    repository: options.repository ?? world.chatrooms,
    cache: options.cache ?? world.cache,
    ttlSeconds: TTL_SECONDS,
    logger: world.logger,
  });
}

/** Stores a chatroom of `ownerId` through `chatrooms`, created now on the world's clock. */
async function givenRoom(world: World, chatrooms: ChatroomRepository, ownerId: string, title: string) {
  const chatroom = aChatroom({ ownerId, title, createdAt: world.clock.now() });
  await chatrooms.create(chatroom);
  return chatroom;
}

function titles(result: OwnedChatrooms): string[] {
  return result.chatrooms.map((chatroom) => chatroom.title);
}

afterEach(() => {
  vi.useRealTimers();
});

/** The world's cache, but its increment fails while `down` is set; it counts the increments asked for. */
function flakyCache(world: World): Cache & { down: boolean; increments: number } {
  const flaky = {
    down: false,
    increments: 0,
    get: (key: string) => world.cache.get(key),
    getMany: (keys: readonly string[]) => world.cache.getMany(keys),
    set: (key: string, value: string, ttl: number) => world.cache.set(key, value, ttl),
    delete: (key: string) => world.cache.delete(key),
    increment: (key: string) => {
      flaky.increments += 1;
      return flaky.down ? Promise.reject(new Error('cache down')) : world.cache.increment(key);
    },
  };
  return flaky;
}

/** A cache whose every call fails, as when Redis is down. */
const brokenCache: Cache = {
  get: () => Promise.reject(new Error('cache down')),
  getMany: () => Promise.reject(new Error('cache down')),
  set: () => Promise.reject(new Error('cache down')),
  increment: () => Promise.reject(new Error('cache down')),
  delete: () => Promise.reject(new Error('cache down')),
};

describe('CachedChatroomRepository', () => {
  it('misses first, then serves the same chatrooms, newest first, from the cache', async () => {
    const world = aWorld();
    const chatrooms = cached(world);
    const owner = aBuiltId();
    await givenRoom(world, chatrooms, owner, 'First');
    world.clock.advance(1_000);
    await givenRoom(world, chatrooms, owner, 'Second');

    const miss = await chatrooms.listOwned(owner);
    expect(miss.fromCache).toBe(false);
    expect(titles(miss)).toEqual(['Second', 'First']);

    const hit = await chatrooms.listOwned(owner);
    expect(hit.fromCache).toBe(true);
    expect(hit.chatrooms).toEqual(miss.chatrooms);
    expect(hit.chatrooms[0]).toBeInstanceOf(Chatroom);
  });

  it('serves a write of the owner at once: create, save and delete each drop the cached list', async () => {
    const world = aWorld();
    const chatrooms = cached(world);
    const owner = aBuiltId();
    await chatrooms.listOwned(owner);

    const room = await givenRoom(world, chatrooms, owner, 'Ideas');
    expect(await chatrooms.listOwned(owner)).toMatchObject({ fromCache: false });
    expect(titles(await chatrooms.listOwned(owner))).toEqual(['Ideas']);

    await chatrooms.save(room.rename('Plans', world.clock.now()));
    const renamed = await chatrooms.listOwned(owner);
    expect(renamed.fromCache).toBe(false);
    expect(titles(renamed)).toEqual(['Plans']);

    expect(await chatrooms.delete(room.id, owner)).toBe(true);
    expect(await chatrooms.listOwned(owner)).toEqual({ chatrooms: [], fromCache: false });
  });

  it('leaves the cached list alone when a delete finds nothing', async () => {
    const world = aWorld();
    const chatrooms = cached(world);
    const owner = aBuiltId();
    await givenRoom(world, chatrooms, owner, 'Kept');
    await chatrooms.listOwned(owner);

    expect(await chatrooms.delete(aBuiltId(), owner)).toBe(false);
    expect(await chatrooms.listOwned(owner)).toMatchObject({ fromCache: true });
  });

  it("never serves one owner's list to another", async () => {
    const world = aWorld();
    const chatrooms = cached(world);
    const alice = aBuiltId();
    await givenRoom(world, chatrooms, alice, 'Alice only');
    await chatrooms.listOwned(alice);
    expect(await chatrooms.listOwned(aBuiltId())).toEqual({ chatrooms: [], fromCache: false });
  });

  it('misses again once the TTL has passed', async () => {
    const world = aWorld();
    const chatrooms = cached(world);
    const owner = aBuiltId();
    await chatrooms.listOwned(owner);
    world.clock.advance(TTL_SECONDS * 1000);
    expect((await chatrooms.listOwned(owner)).fromCache).toBe(false);
  });

  it('does not serve a list read that raced with a write', async () => {
    const world = aWorld();
    const owner = aBuiltId();
    let release = () => {};
    let stallNext = true;
    /** The first listOwned reads the rows, then stalls until the test releases it: a slow read. */
    const slowRepository: ChatroomRepository = Object.assign(
      Object.create(world.chatrooms) as ChatroomRepository,
      {
        listOwned: async (ownerId: string) => {
          const rows = await world.chatrooms.listOwned(ownerId);
          if (stallNext) {
            stallNext = false;
            await new Promise<void>((resolve) => {
              release = resolve;
            });
          }
          return rows;
        },
      },
    );
    const chatrooms = cached(world, { repository: slowRepository });

    const staleRead = chatrooms.listOwned(owner);
    await new Promise((resolve) => setImmediate(resolve));
    await givenRoom(world, chatrooms, owner, 'Written meanwhile');
    release();
    expect(titles(await staleRead)).toEqual([]);

    const next = await chatrooms.listOwned(owner);
    expect(next.fromCache).toBe(false);
    expect(titles(next)).toEqual(['Written meanwhile']);
    expect(titles(await chatrooms.listOwned(owner))).toEqual(['Written meanwhile']);
  });

  it('serves a hit with one read of the cache (generation and list together)', async () => {
    const world = aWorld();
    const reads: string[][] = [];
    const counting: Cache = {
      ...world.cache,
      get: (key) => world.cache.get(key),
      getMany: (keys) => {
        reads.push([...keys]);
        return world.cache.getMany(keys);
      },
      set: (key, value, ttl) => world.cache.set(key, value, ttl),
      increment: (key) => world.cache.increment(key),
      delete: (key) => world.cache.delete(key),
    };
    const chatrooms = cached(world, { cache: counting });
    const owner = aBuiltId();
    await givenRoom(world, chatrooms, owner, 'First');
    await chatrooms.listOwned(owner);
    reads.length = 0;

    const hit = await chatrooms.listOwned(owner);
    expect(hit.fromCache).toBe(true);
    expect(reads).toHaveLength(1);
  });

  it('does not serve a fill of an older generation that lands after a newer one', async () => {
    const world = aWorld();
    const owner = aBuiltId();
    const held: (() => void)[] = [];
    let holdNext = true;
    /** The first fill's cache write is held back until the test lets it land. */
    const slowFill: Cache = {
      ...world.cache,
      get: (key) => world.cache.get(key),
      getMany: (keys) => world.cache.getMany(keys),
      increment: (key) => world.cache.increment(key),
      delete: (key) => world.cache.delete(key),
      set: async (key, value, ttl) => {
        if (holdNext) {
          holdNext = false;
          await new Promise<void>((resolve) => held.push(resolve));
        }
        await world.cache.set(key, value, ttl);
      },
    };
    const chatrooms = cached(world, { cache: slowFill });

    const oldRead = chatrooms.listOwned(owner);
    await new Promise((resolve) => setImmediate(resolve));
    await givenRoom(world, chatrooms, owner, 'Written meanwhile');
    expect(titles(await chatrooms.listOwned(owner))).toEqual(['Written meanwhile']);
    held[0]?.();
    expect(titles(await oldRead)).toEqual([]);

    const next = await chatrooms.listOwned(owner);
    expect(titles(next)).toEqual(['Written meanwhile']);
    expect(next.fromCache).toBe(false);
  });

  it('reads the repository when the cache is down, and writes still succeed', async () => {
    const world = aWorld();
    const chatrooms = cached(world, { cache: brokenCache });
    const owner = aBuiltId();
    await givenRoom(world, chatrooms, owner, 'Still works');
    const result = await chatrooms.listOwned(owner);
    expect(result.fromCache).toBe(false);
    expect(titles(result)).toEqual(['Still works']);
    expect(world.logger.entries.map((entry) => entry.level)).toContain('error');
  });

  it('retries a failed invalidation, and serves the repository meanwhile, so a write is never hidden', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    const world = aWorld();
    const flaky = flakyCache(world);
    const chatrooms = cached(world, { cache: flaky });
    const owner = aBuiltId();
    await chatrooms.listOwned(owner);
    expect((await chatrooms.listOwned(owner)).fromCache).toBe(true);

    flaky.down = true;
    await givenRoom(world, chatrooms, owner, 'Written while down');
    const during = await chatrooms.listOwned(owner);
    expect({ fromCache: during.fromCache, titles: titles(during) }).toEqual({
      fromCache: false,
      titles: ['Written while down'],
    });

    flaky.down = false;
    await vi.advanceTimersByTimeAsync(RETRY_MS);
    const after = await chatrooms.listOwned(owner);
    expect({ fromCache: after.fromCache, titles: titles(after) }).toEqual({
      fromCache: false,
      titles: ['Written while down'],
    });
    expect((await chatrooms.listOwned(owner)).fromCache).toBe(true);
  });

  it('keeps one retry loop per owner however many writes fail during an outage, and stops it once one succeeds', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    const world = aWorld();
    const flaky = flakyCache(world);
    const chatrooms = cached(world, { cache: flaky });
    const owner = aBuiltId();

    flaky.down = true;
    for (let write = 0; write < 20; write++) await givenRoom(world, chatrooms, owner, `Room ${write}`);
    expect(flaky.increments).toBe(20);
    await vi.advanceTimersByTimeAsync(RETRY_MS);
    expect(flaky.increments).toBe(21);
    await vi.advanceTimersByTimeAsync(RETRY_MS * 4);
    expect(flaky.increments).toBe(25);
    expect(world.logger.messages('error')).toHaveLength(1);

    flaky.down = false;
    await vi.advanceTimersByTimeAsync(RETRY_MS);
    expect(flaky.increments).toBe(26);
    await vi.advanceTimersByTimeAsync(RETRY_MS * 4);
    expect(flaky.increments).toBe(26);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps reading the repository when a write fails while an earlier bump is still in flight', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    const world = aWorld();
    const flaky = flakyCache(world);
    let release = () => {};
    const bumped = Promise.withResolvers<void>();
    /** The first increment lands in the cache, then its answer is held back until the test releases it. */
    const slowAnswer: Cache = {
      ...flaky,
      increment: async (key) => {
        const generation = await flaky.increment(key);
        if (generation === 1) {
          bumped.resolve();
          await new Promise<void>((resolve) => {
            release = resolve;
          });
        }
        return generation;
      },
    };
    const chatrooms = cached(world, { cache: slowAnswer });
    const owner = aBuiltId();

    const first = givenRoom(world, chatrooms, owner, 'First');
    await bumped.promise;
    expect(titles(await chatrooms.listOwned(owner))).toEqual(['First']);
    world.clock.advance(1_000);
    flaky.down = true;
    await givenRoom(world, chatrooms, owner, 'Second');
    release();
    await first;
    expect(titles(await chatrooms.listOwned(owner))).toEqual(['Second', 'First']);

    flaky.down = false;
    await vi.advanceTimersByTimeAsync(RETRY_MS);
    expect(titles(await chatrooms.listOwned(owner))).toEqual(['Second', 'First']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('serves an unchanged entry again as the same frozen chatrooms; a write brings new ones', async () => {
    const world = aWorld();
    const chatrooms = cached(world);
    const owner = aBuiltId();
    await givenRoom(world, chatrooms, owner, 'First');
    await chatrooms.listOwned(owner);

    const hit = await chatrooms.listOwned(owner);
    const again = await chatrooms.listOwned(owner);

    expect(hit.fromCache).toBe(true);
    expect(again.chatrooms).toBe(hit.chatrooms);
    expect(Object.isFrozen(hit.chatrooms)).toBe(true);
    world.clock.advance(1_000);
    await givenRoom(world, chatrooms, owner, 'Second');
    await chatrooms.listOwned(owner);
    const afterWrite = await chatrooms.listOwned(owner);
    expect(afterWrite.fromCache).toBe(true);
    expect(afterWrite.chatrooms).not.toBe(hit.chatrooms);
    expect(titles(afterWrite)).toEqual(['Second', 'First']);
  });

  it("does not serve the list one process kept once another process's write changed it", async () => {
    const world = aWorld();
    const [here, there] = [cached(world), cached(world)];
    const owner = aBuiltId();
    const room = await givenRoom(world, here, owner, 'Before');
    await here.listOwned(owner);
    expect(titles(await here.listOwned(owner))).toEqual(['Before']);

    await there.save(room.rename('After', world.clock.now()));

    expect(titles(await here.listOwned(owner))).toEqual(['After']);
    expect(titles(await here.listOwned(owner))).toEqual(['After']);
  });

  it('passes reads of single chatrooms straight to the repository', async () => {
    const world = aWorld();
    const chatrooms = cached(world, { cache: brokenCache });
    const owner = aBuiltId();
    const room = await givenRoom(world, chatrooms, owner, 'Ideas');
    expect(await chatrooms.findById(room.id)).toEqual(room);
    expect(await chatrooms.findOwned(room.id, owner)).toEqual(room);
    expect(await chatrooms.findOwned(room.id, aBuiltId())).toBeNull();
  });
});
