import { afterEach, describe, expect, it, vi } from 'vitest';
import { CachedUserRepository } from '#adapters/cache/cached-user-repository.ts';
import { LocalUserInvalidations, type UserInvalidations } from '#adapters/cache/user-invalidations.ts';
import { InMemoryStore } from '#adapters/persistence/in-memory/in-memory-store.ts';
import { InMemoryUserRepository } from '#adapters/persistence/in-memory/in-memory-user-repository.ts';
import type { UserRepository } from '#application/ports/user-repository.ts';
import { aUser } from '#test/support/builders.ts';

/** The in-memory users, counting the reads by id that reach them. */
function countingRepository() {
  const repository = new InMemoryUserRepository(new InMemoryStore());
  const counted = Object.assign(Object.create(repository) as UserRepository, {
    reads: 0,
    findById(id: string) {
      counted.reads += 1;
      return repository.findById(id);
    },
  });
  return counted;
}

function cachedOver(
  repository: UserRepository,
  invalidations: UserInvalidations = new LocalUserInvalidations(),
) {
  return new CachedUserRepository({ repository, invalidations, ttlMs: 5_000, maxEntries: 3 });
}

afterEach(() => {
  vi.useRealTimers();
});

describe('CachedUserRepository', () => {
  it('reads a user from the repository once, then from its copy', async () => {
    const repository = countingRepository();
    const users = cachedOver(repository);
    const user = aUser();
    await users.create(user);
    expect(await users.findById(user.id)).toEqual(user);
    expect(await users.findById(user.id)).toEqual(user);
    expect(repository.reads).toBe(1);
  });

  it('serves a password change at once: the next read has the new token version', async () => {
    const users = cachedOver(countingRepository());
    const user = aUser();
    await users.create(user);
    await users.findById(user.id);
    const changed = await users.updatePassword(user.id, 'new-hash');
    expect(changed.tokenVersion).toBe(user.tokenVersion + 1);
    expect((await users.findById(user.id))?.tokenVersion).toBe(user.tokenVersion + 1);
  });

  it('serves a deletion at once: the next read finds nobody', async () => {
    const users = cachedOver(countingRepository());
    const user = aUser();
    await users.create(user);
    await users.findById(user.id);
    await users.delete(user.id);
    expect(await users.findById(user.id)).toBeNull();
  });

  it('does not keep a read that raced with a change', async () => {
    const repository = countingRepository();
    const invalidations = new LocalUserInvalidations();
    const user = aUser();
    await repository.create(user);
    let release = () => {};
    /** The first read gets the row, then stalls until released: a slow read. */
    const slow = Object.assign(Object.create(repository) as UserRepository, {
      async findById(id: string) {
        const found = await repository.findById(id);
        await new Promise<void>((resolve) => {
          release = resolve;
          slow.findById = (next: string) => repository.findById(next);
        });
        return found;
      },
    });
    const users = cachedOver(slow, invalidations);
    const staleRead = users.findById(user.id);
    await new Promise((resolve) => setImmediate(resolve));
    await users.updatePassword(user.id, 'new-hash');
    release();
    expect((await staleRead)?.tokenVersion).toBe(0);
    expect((await users.findById(user.id))?.tokenVersion).toBe(1);
  });

  it('reads the repository every time while announcements may be missed', async () => {
    const repository = countingRepository();
    const deaf: UserInvalidations = {
      live: false,
      epoch: 0,
      announce: async () => {},
      onInvalidate: () => {},
    };
    const users = cachedOver(repository, deaf);
    const user = aUser();
    await users.create(user);
    await users.findById(user.id);
    await users.findById(user.id);
    expect(repository.reads).toBe(2);
  });

  it('drops every copy when told to (a reconnected subscription)', async () => {
    const repository = countingRepository();
    const listeners: ((id: string | null) => void)[] = [];
    const invalidations: UserInvalidations = {
      live: true,
      epoch: 0,
      announce: async () => {},
      onInvalidate: (listener) => listeners.push(listener),
    };
    const users = cachedOver(repository, invalidations);
    const user = aUser();
    await users.create(user);
    await users.findById(user.id);
    for (const listener of listeners) listener(null);
    await users.findById(user.id);
    expect(repository.reads).toBe(2);
  });

  it('reads again once a copy is older than its TTL (a change made around the service)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const repository = countingRepository();
    const users = cachedOver(repository);
    const user = aUser();
    await users.create(user);
    await users.findById(user.id);
    vi.advanceTimersByTime(4_999);
    await users.findById(user.id);
    expect(repository.reads).toBe(1);
    await repository.delete(user.id);
    vi.advanceTimersByTime(2);
    expect(await users.findById(user.id)).toBeNull();
  });

  it('keeps at most maxEntries copies, dropping the least recently used', async () => {
    const repository = countingRepository();
    const users = cachedOver(repository);
    const all = [aUser(), aUser(), aUser(), aUser()];
    for (const user of all.slice(0, 3)) {
      await users.create(user);
      await users.findById(user.id);
    }
    await users.findById(all[0]!.id);
    expect(repository.reads).toBe(3);

    await users.create(all[3]!);
    await users.findById(all[3]!.id);
    await users.findById(all[0]!.id);
    expect(repository.reads).toBe(4);
    await users.findById(all[1]!.id);
    expect(repository.reads).toBe(5);
  });
});
