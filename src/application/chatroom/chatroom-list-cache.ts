import { Chatroom } from '#domain/chatroom/chatroom.ts';
import type { UserId } from '#domain/shared/ids.ts';
import type { Cache } from '../ports/cache.ts';
import type { Logger } from '../ports/logger.ts';

interface CachedChatroom {
  id: string;
  ownerId: string;
  title: string;
  createdAt: string;
  updatedAt: string;
}

const RETRY_INVALIDATION_MS = 500;

/**
 * Each user's chatroom list under a generation key: a write bumps the generation, so a list read that
 * raced with the write can only fill a key nobody reads any more. The cache is best effort; an
 * invalidation that fails is retried until the cache answers again, and meanwhile this process reads
 * that user's list from the database.
 */
export class ChatroomListCache {
  private readonly cache: Cache;
  private readonly ttlSeconds: number;
  private readonly logger: Logger;
  /** Users whose list may be stale (an invalidation failed), with how many failed: their reads skip the cache. */
  private readonly unflushed = new Map<UserId, number>();
  /** Users with a retry running: one loop per user, however many of their writes fail meanwhile. */
  private readonly retrying = new Set<UserId>();

  constructor(deps: { cache: Cache; ttlSeconds: number; logger: Logger }) {
    this.cache = deps.cache;
    this.ttlSeconds = deps.ttlSeconds;
    this.logger = deps.logger;
  }

  async read(
    userId: UserId,
    load: () => Promise<Chatroom[]>,
  ): Promise<{ chatrooms: Chatroom[]; hit: boolean }> {
    let key: string | null = null;
    if (this.unflushed.has(userId)) return { chatrooms: await load(), hit: false };
    try {
      key = await this.listKey(userId);
      const cached = await this.cache.get(key);
      if (cached !== null)
        return { chatrooms: (JSON.parse(cached) as CachedChatroom[]).map(revive), hit: true };
    } catch (error) {
      this.logger.warn({ err: error, userId }, 'chatroom cache unavailable; reading the database');
      key = null;
    }
    const chatrooms = await load();
    if (key !== null) {
      await this.cache.set(key, JSON.stringify(chatrooms), this.ttlSeconds).catch((error: unknown) => {
        this.logger.warn({ err: error, userId }, 'could not fill the chatroom cache');
      });
    }
    return { chatrooms, hit: false };
  }

  async invalidate(userId: UserId): Promise<void> {
    try {
      await this.bumpGeneration(userId);
    } catch (error) {
      if (this.retrying.has(userId)) return;
      this.logger.error({ err: error, userId }, 'could not invalidate the chatroom cache; retrying');
      this.retrying.add(userId);
      this.retryLater(userId);
    }
  }

  /**
   * Bumps the user's generation, or marks the user and rethrows. A bump clears the mark only if no other
   * invalidation failed while it was in flight: that write may have landed after this bump.
   */
  private async bumpGeneration(userId: UserId): Promise<void> {
    const failuresBefore = this.unflushed.get(userId);
    try {
      await this.cache.increment(generationKey(userId));
    } catch (error) {
      this.unflushed.set(userId, (this.unflushed.get(userId) ?? 0) + 1);
      throw error;
    }
    if (this.unflushed.get(userId) === failuresBefore) this.unflushed.delete(userId);
  }

  private retryLater(userId: UserId): void {
    setTimeout(() => void this.retry(userId), RETRY_INVALIDATION_MS).unref();
  }

  /** The user's one retry loop: bumps every RETRY_INVALIDATION_MS until the mark is cleared (by it or by a write). */
  private async retry(userId: UserId): Promise<void> {
    // A failed bump leaves the user marked, which keeps the loop going.
    if (this.unflushed.has(userId)) await this.bumpGeneration(userId).catch(() => undefined);
    if (this.unflushed.has(userId)) this.retryLater(userId);
    else this.retrying.delete(userId);
  }

  private async listKey(userId: UserId): Promise<string> {
    const generation = (await this.cache.get(generationKey(userId))) ?? '0';
    return `chatrooms:v1:${userId}:list:${generation}`;
  }
}

function generationKey(userId: UserId): string {
  return `chatrooms:v1:${userId}:generation`;
}

function revive(row: CachedChatroom): Chatroom {
  return new Chatroom({ ...row, createdAt: new Date(row.createdAt), updatedAt: new Date(row.updatedAt) });
}
