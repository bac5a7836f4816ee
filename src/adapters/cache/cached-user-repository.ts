import { LRUCache } from 'lru-cache';
import type { UserRepository } from '#application/ports/user-repository.ts';
import type { UserId } from '#domain/shared/ids.ts';
import type { MobileNumber } from '#domain/user/mobile-number.ts';
import type { User } from '#domain/user/user.ts';
import type { UserInvalidations } from './user-invalidations.ts';

export interface CachedUserRepositoryOptions {
  repository: UserRepository;
  invalidations: UserInvalidations;
  /** Copies kept (the least recently used go first); a copy is also dropped after `ttlMs`, whatever happens. */
  maxEntries?: number;
  ttlMs?: number;
}

const MAX_ENTRIES = 10_000;
const TTL_MS = 5_000;

/**
 * A UserRepository that keeps this process's recent users by id, for the one read every authenticated request
 * makes (the token's version and the user's existence). Every change made through it (password, deletion) is
 * announced before it returns, and every process drops its copy on the announcement, so a revoked token is refused
 * by the next request in any process. A read that raced with an announcement is not kept; while announcements may
 * be missed (`invalidations.live` false), every read goes to the repository. A change made around the service
 * (SQL by hand) is seen once the copy is `ttlMs` old.
 */
export class CachedUserRepository implements UserRepository {
  private readonly repository: UserRepository;
  private readonly invalidations: UserInvalidations;
  private readonly ttlMs: number;
  private readonly copies: LRUCache<UserId, { user: User; expiresAt: number }>;

  constructor(options: CachedUserRepositoryOptions) {
    this.repository = options.repository;
    this.invalidations = options.invalidations;
    this.copies = new LRUCache({ max: options.maxEntries ?? MAX_ENTRIES });
    this.ttlMs = options.ttlMs ?? TTL_MS;
    this.invalidations.onInvalidate((userId) => {
      if (userId === null) this.copies.clear();
      else this.copies.delete(userId);
    });
  }

  async findById(id: UserId): Promise<User | null> {
    if (!this.invalidations.live) return this.repository.findById(id);
    const now = Date.now();
    const copy = this.copies.get(id);
    if (copy && copy.expiresAt > now) return copy.user;
    const epoch = this.invalidations.epoch;
    const user = await this.repository.findById(id);
    if (user && this.invalidations.live && this.invalidations.epoch === epoch) {
      this.copies.set(user.id, { user, expiresAt: now + this.ttlMs });
    }
    return user;
  }

  create(user: User): Promise<void> {
    return this.repository.create(user);
  }

  findByMobile(mobile: MobileNumber): Promise<User | null> {
    return this.repository.findByMobile(mobile);
  }

  async updatePassword(id: UserId, passwordHash: string): Promise<User> {
    const user = await this.repository.updatePassword(id, passwordHash);
    await this.invalidations.announce(id);
    return user;
  }

  async delete(id: UserId): Promise<void> {
    await this.repository.delete(id);
    await this.invalidations.announce(id);
  }
}
