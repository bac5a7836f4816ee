import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChatroomListCache } from '#application/chatroom/chatroom-list-cache.ts';
import { CreateChatroom } from '#application/chatroom/create-chatroom.ts';
import { DeleteChatroom } from '#application/chatroom/delete-chatroom.ts';
import { ListChatrooms } from '#application/chatroom/list-chatrooms.ts';
import { RenameChatroom } from '#application/chatroom/rename-chatroom.ts';
import type { Cache } from '#application/ports/cache.ts';
import type { ChatroomRepository } from '#application/ports/chatroom-repository.ts';
import { Chatroom } from '#domain/chatroom/chatroom.ts';
import { aWorld, givenUser, type World } from '#test/support/world.ts';

function useCases(world: World, cache: Cache = world.cache, chatrooms: ChatroomRepository = world.chatrooms) {
  const listCache = new ChatroomListCache({
    cache,
    ttlSeconds: world.settings.chatroomCacheTtlSeconds,
    logger: world.logger,
  });
  const writes = { ...world, chatrooms, listCache };
  return {
    create: new CreateChatroom(writes),
    rename: new RenameChatroom(writes),
    remove: new DeleteChatroom(writes),
    list: new ListChatrooms(writes),
  };
}

function titles(result: { chatrooms: Chatroom[] }): string[] {
  return result.chatrooms.map((chatroom) => chatroom.title);
}

const RETRY_MS = 500;

afterEach(() => {
  vi.useRealTimers();
});

/** The world's cache, but its increment fails while `down` is set; it counts the increments asked for. */
function flakyCache(world: World): Cache & { down: boolean; increments: number } {
  const flaky = {
    down: false,
    increments: 0,
    get: (key: string) => world.cache.get(key),
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
  set: () => Promise.reject(new Error('cache down')),
  increment: () => Promise.reject(new Error('cache down')),
  delete: () => Promise.reject(new Error('cache down')),
};

describe('chatroom list with its cache', () => {
  it('misses first, then hits, with the chatrooms newest first', async () => {
    const world = aWorld();
    const user = await givenUser(world);
    const { create, list } = useCases(world);
    await create.execute({ userId: user.id, title: 'First' });
    world.clock.advance(1_000);
    await create.execute({ userId: user.id, title: 'Second' });

    const miss = await list.execute({ userId: user.id });
    expect(miss.hit).toBe(false);
    expect(titles(miss)).toEqual(['Second', 'First']);

    const hit = await list.execute({ userId: user.id });
    expect(hit.hit).toBe(true);
    expect(hit.chatrooms).toEqual(miss.chatrooms);
    expect(hit.chatrooms[0]).toBeInstanceOf(Chatroom);
  });

  it('serves a write of the user at once: create, rename and delete each invalidate the list', async () => {
    const world = aWorld();
    const user = await givenUser(world);
    const { create, rename, remove, list } = useCases(world);
    await list.execute({ userId: user.id });

    const room = await create.execute({ userId: user.id, title: 'Ideas' });
    expect(await list.execute({ userId: user.id })).toMatchObject({ hit: false });
    expect(titles(await list.execute({ userId: user.id }))).toEqual(['Ideas']);

    await rename.execute({ userId: user.id, chatroomId: room.id, title: 'Plans' });
    const renamed = await list.execute({ userId: user.id });
    expect(renamed.hit).toBe(false);
    expect(titles(renamed)).toEqual(['Plans']);

    await remove.execute({ userId: user.id, chatroomId: room.id });
    expect(await list.execute({ userId: user.id })).toEqual({ chatrooms: [], hit: false });
  });

  it("never serves one user's list to another", async () => {
    const world = aWorld();
    const alice = await givenUser(world);
    const bob = await givenUser(world);
    const { create, list } = useCases(world);
    await create.execute({ userId: alice.id, title: 'Alice only' });
    await list.execute({ userId: alice.id });
    expect(await list.execute({ userId: bob.id })).toEqual({ chatrooms: [], hit: false });
  });

  it('misses again once the TTL has passed', async () => {
    const world = aWorld();
    const user = await givenUser(world);
    const { list } = useCases(world);
    await list.execute({ userId: user.id });
    world.clock.advance(world.settings.chatroomCacheTtlSeconds * 1000);
    expect((await list.execute({ userId: user.id })).hit).toBe(false);
  });

  it('does not serve a list read that raced with a write', async () => {
    const world = aWorld();
    const user = await givenUser(world);
    let release = () => {};
    let stallNext = true;
    /** The first listOwned reads the rows, then stalls until the test releases it: a slow read. */
    const slowChatrooms: ChatroomRepository = Object.assign(
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
    const { create, list } = useCases(world, world.cache, slowChatrooms);

    const staleRead = list.execute({ userId: user.id });
    await new Promise((resolve) => setImmediate(resolve));
    await create.execute({ userId: user.id, title: 'Written meanwhile' });
    release();
    expect(titles(await staleRead)).toEqual([]);

    const next = await list.execute({ userId: user.id });
    expect(next.hit).toBe(false);
    expect(titles(next)).toEqual(['Written meanwhile']);
    expect(titles(await list.execute({ userId: user.id }))).toEqual(['Written meanwhile']);
  });

  it('reads the database when the cache is down, and writes still succeed', async () => {
    const world = aWorld();
    const user = await givenUser(world);
    const { create, list } = useCases(world, brokenCache);
    await create.execute({ userId: user.id, title: 'Still works' });
    const result = await list.execute({ userId: user.id });
    expect(result.hit).toBe(false);
    expect(titles(result)).toEqual(['Still works']);
    expect(world.logger.entries.map((entry) => entry.level)).toContain('error');
  });

  it('retries a failed invalidation, and serves the database meanwhile, so a write is never hidden', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    const world = aWorld();
    const user = await givenUser(world);
    const flaky = flakyCache(world);
    const { create, list } = useCases(world, flaky);
    await list.execute({ userId: user.id });
    expect((await list.execute({ userId: user.id })).hit).toBe(true);

    flaky.down = true;
    await create.execute({ userId: user.id, title: 'Written while down' });
    const during = await list.execute({ userId: user.id });
    expect({ hit: during.hit, titles: titles(during) }).toEqual({
      hit: false,
      titles: ['Written while down'],
    });

    flaky.down = false;
    await vi.advanceTimersByTimeAsync(RETRY_MS);
    const after = await list.execute({ userId: user.id });
    expect({ hit: after.hit, titles: titles(after) }).toEqual({ hit: false, titles: ['Written while down'] });
    expect((await list.execute({ userId: user.id })).hit).toBe(true);
  });

  it('keeps one retry loop per user however many writes fail during an outage, and stops it once one succeeds', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    const world = aWorld();
    const user = await givenUser(world);
    const flaky = flakyCache(world);
    const listCache = new ChatroomListCache({ cache: flaky, ttlSeconds: 300, logger: world.logger });

    flaky.down = true;
    for (let write = 0; write < 20; write++) await listCache.invalidate(user.id);
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

  it('keeps reading the database when a write fails while an earlier bump is still in flight', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    const world = aWorld();
    const user = await givenUser(world);
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
    const { create, list } = useCases(world, slowAnswer);

    const first = create.execute({ userId: user.id, title: 'First' });
    await bumped.promise;
    expect(titles(await list.execute({ userId: user.id }))).toEqual(['First']);
    flaky.down = true;
    await create.execute({ userId: user.id, title: 'Second' });
    release();
    await first;
    expect(titles(await list.execute({ userId: user.id }))).toEqual(['Second', 'First']);

    flaky.down = false;
    await vi.advanceTimersByTimeAsync(RETRY_MS);
    expect(titles(await list.execute({ userId: user.id }))).toEqual(['Second', 'First']);
    expect(vi.getTimerCount()).toBe(0);
  });
});
