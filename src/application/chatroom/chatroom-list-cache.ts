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
  private readonly unflushed = new Set<UserId>();

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
      await this.cache.increment(generationKey(userId));
      this.unflushed.delete(userId);
    } catch (error) {
      if (!this.unflushed.has(userId)) {
        this.logger.error({ err: error, userId }, 'could not invalidate the chatroom cache; retrying');
      }
      this.unflushed.add(userId);
      setTimeout(() => void this.invalidate(userId), RETRY_INVALIDATION_MS).unref();
    }
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
