import type { Cache } from '#application/ports/cache.ts';
import type { ChatroomRepository, OwnedChatrooms } from '#application/ports/chatroom-repository.ts';
import type { Logger } from '#application/ports/logger.ts';
import { Chatroom } from '#domain/chatroom/chatroom.ts';
import type { ChatroomId, UserId } from '#domain/shared/ids.ts';

interface CachedChatroom {
  id: string;
  ownerId: string;
  title: string;
  createdAt: string;
  updatedAt: string;
}

export interface CachedChatroomRepositoryOptions {
  /** The source of truth every call goes to, except a list the cache holds. */
  repository: ChatroomRepository;
  cache: Cache;
  ttlSeconds: number;
  logger: Logger;
}

const RETRY_INVALIDATION_MS = 500;

/**
 * A ChatroomRepository that caches each owner's list under a generation key: every write through it bumps the
 * owner's generation, so a list read that raced with the write can only fill a key nobody reads any more. The
 * cache is best effort; an invalidation that fails is retried until the cache answers again, and meanwhile this
 * process reads that owner's list from the repository.
 */
export class CachedChatroomRepository implements ChatroomRepository {
  private readonly repository: ChatroomRepository;
  private readonly cache: Cache;
  private readonly ttlSeconds: number;
  private readonly logger: Logger;
  /** Owners whose list may be stale (an invalidation failed), with how many failed: their reads skip the cache. */
  private readonly unflushed = new Map<UserId, number>();
  /** Owners with a retry running: one loop per owner, however many of their writes fail meanwhile. */
  private readonly retrying = new Set<UserId>();

  constructor(options: CachedChatroomRepositoryOptions) {
    this.repository = options.repository;
    this.cache = options.cache;
    this.ttlSeconds = options.ttlSeconds;
    this.logger = options.logger;
  }

  async create(chatroom: Chatroom): Promise<void> {
    await this.repository.create(chatroom);
    await this.invalidate(chatroom.ownerId);
  }

  findById(id: ChatroomId): Promise<Chatroom | null> {
    return this.repository.findById(id);
  }

  findOwned(id: ChatroomId, ownerId: UserId): Promise<Chatroom | null> {
    return this.repository.findOwned(id, ownerId);
  }

  async listOwned(ownerId: UserId): Promise<OwnedChatrooms> {
    if (this.unflushed.has(ownerId)) return this.repository.listOwned(ownerId);
    let key: string | null = null;
    try {
      key = await this.listKey(ownerId);
      const cached = await this.cache.get(key);
      if (cached !== null) {
        return { chatrooms: (JSON.parse(cached) as CachedChatroom[]).map(revive), fromCache: true };
      }
    } catch (error) {
      this.logger.warn({ err: error, userId: ownerId }, 'chatroom cache unavailable; reading the database');
      key = null;
    }
    const listed = await this.repository.listOwned(ownerId);
    if (key !== null) {
      await this.cache.set(key, JSON.stringify(listed.chatrooms), this.ttlSeconds).catch((error: unknown) => {
        this.logger.warn({ err: error, userId: ownerId }, 'could not fill the chatroom cache');
      });
    }
    return listed;
  }

  async save(chatroom: Chatroom): Promise<void> {
    await this.repository.save(chatroom);
    await this.invalidate(chatroom.ownerId);
  }

  async delete(id: ChatroomId, ownerId: UserId): Promise<boolean> {
    const deleted = await this.repository.delete(id, ownerId);
    if (deleted) await this.invalidate(ownerId);
    return deleted;
  }

  /** Never fails the write: a failed bump is logged once and retried in the background. */
  private async invalidate(ownerId: UserId): Promise<void> {
    try {
      await this.bumpGeneration(ownerId);
    } catch (error) {
      if (this.retrying.has(ownerId)) return;
      this.logger.error({ err: error, userId: ownerId }, 'could not invalidate the chatroom cache; retrying');
      this.retrying.add(ownerId);
      this.retryLater(ownerId);
    }
  }

  /**
   * Bumps the owner's generation, or marks the owner and rethrows. A bump clears the mark only if no other
   * invalidation failed while it was in flight: that write may have landed after this bump.
   */
  private async bumpGeneration(ownerId: UserId): Promise<void> {
    const failuresBefore = this.unflushed.get(ownerId);
    try {
      await this.cache.increment(generationKey(ownerId));
    } catch (error) {
      this.unflushed.set(ownerId, (this.unflushed.get(ownerId) ?? 0) + 1);
      throw error;
    }
    if (this.unflushed.get(ownerId) === failuresBefore) this.unflushed.delete(ownerId);
  }

  private retryLater(ownerId: UserId): void {
    setTimeout(() => void this.retry(ownerId), RETRY_INVALIDATION_MS).unref();
  }

  /** The owner's one retry loop: bumps every RETRY_INVALIDATION_MS until the mark is cleared (by it or by a write). */
  private async retry(ownerId: UserId): Promise<void> {
    // A failed bump leaves the owner marked, which keeps the loop going.
    if (this.unflushed.has(ownerId)) await this.bumpGeneration(ownerId).catch(() => undefined);
    if (this.unflushed.has(ownerId)) this.retryLater(ownerId);
    else this.retrying.delete(ownerId);
  }

  private async listKey(ownerId: UserId): Promise<string> {
    const generation = (await this.cache.get(generationKey(ownerId))) ?? '0';
    return `chatrooms:v1:${ownerId}:list:${generation}`;
  }
}

function generationKey(ownerId: UserId): string {
  return `chatrooms:v1:${ownerId}:generation`;
}

function revive(row: CachedChatroom): Chatroom {
  return new Chatroom({ ...row, createdAt: new Date(row.createdAt), updatedAt: new Date(row.updatedAt) });
}
