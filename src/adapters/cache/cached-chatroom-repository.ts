import { LRUCache } from 'lru-cache';
import type { Cache } from '#application/ports/cache.ts';
import type { ChatroomRepository, OwnedChatrooms } from '#application/ports/chatroom-repository.ts';
import type { Logger } from '#application/ports/logger.ts';
import type { Metrics } from '#application/ports/metrics.ts';
import { Chatroom } from '#domain/chatroom/chatroom.ts';
import type { ChatroomId, UserId } from '#domain/shared/ids.ts';
import { NoMetrics } from '../metrics/no-metrics.ts';

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
  /** Counts list reads as hits and misses. */
  metrics?: Metrics;
}

const RETRY_INVALIDATION_MS = 500;
/** Revived lists kept in this process, bounded by owners and by the rough memory of their entries. */
const REVIVED_OWNERS = 10_000;
const REVIVED_BYTES = 32 * 1024 * 1024;

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
  private readonly metrics: Metrics;
  /** Owners whose list may be stale (an invalidation failed), with how many failed: their reads skip the cache. */
  private readonly unflushed = new Map<UserId, number>();
  /** Owners with a retry running: one loop per owner, however many of their writes fail meanwhile. */
  private readonly retrying = new Set<UserId>();
  /**
   * The list last revived from each owner's entry, with the entry's text: a read that finds the very same text (the
   * same generation, nothing written since) takes these objects instead of parsing and reviving it again.
   */
  private readonly revived = new LRUCache<UserId, { entry: string; chatrooms: readonly Chatroom[] }>({
    max: REVIVED_OWNERS,
    maxSize: REVIVED_BYTES,
    // Two bytes a character for the text, about as much again for the objects revived from it.
    sizeCalculation: ({ entry }) => entry.length * 4,
  });

  constructor(options: CachedChatroomRepositoryOptions) {
    this.repository = options.repository;
    this.cache = options.cache;
    this.ttlSeconds = options.ttlSeconds;
    this.logger = options.logger;
    this.metrics = options.metrics ?? new NoMetrics();
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

  /** A list not served from the cache (absent, unreachable, or possibly stale) counts as a miss. */
  async listOwned(ownerId: UserId): Promise<OwnedChatrooms> {
    const listed = await this.listThroughCache(ownerId);
    this.metrics.chatroomListRead(listed.fromCache ? 'hit' : 'miss');
    return listed;
  }

  /**
   * One read of the generation and the entry: the entry names the generation it was filled at, and serves only
   * while that is still the owner's generation. A fill that raced with a write names an older generation (it read
   * the generation before the write bumped it), so no later read takes it, whichever fill lands last.
   */
  private async listThroughCache(ownerId: UserId): Promise<OwnedChatrooms> {
    if (this.unflushed.has(ownerId)) return this.repository.listOwned(ownerId);
    let generation: string | null = null;
    try {
      const [current, entry] = await this.cache.getMany([generationKey(ownerId), listKey(ownerId)]);
      generation = current ?? '0';
      if (entry && generationOf(entry) === generation) {
        return { chatrooms: this.revive(ownerId, entry), fromCache: true };
      }
    } catch (error) {
      this.logger.warn({ err: error, userId: ownerId }, 'chatroom cache unavailable; reading the database');
      generation = null;
    }
    const listed = await this.repository.listOwned(ownerId);
    if (generation !== null) {
      const entry = `${generation}${SEPARATOR}${JSON.stringify(listed.chatrooms)}`;
      await this.cache.set(listKey(ownerId), entry, this.ttlSeconds).catch((error: unknown) => {
        this.logger.warn({ err: error, userId: ownerId }, 'could not fill the chatroom cache');
      });
    }
    return listed;
  }

  /** The chatrooms of an entry that is current: the ones revived from the same text before, or new ones. */
  private revive(ownerId: UserId, entry: string): readonly Chatroom[] {
    const kept = this.revived.get(ownerId);
    if (kept?.entry === entry) return kept.chatrooms;
    const rows = JSON.parse(entry.slice(entry.indexOf(SEPARATOR) + 1)) as CachedChatroom[];
    const chatrooms = Object.freeze(rows.map(revive));
    this.revived.set(ownerId, { entry, chatrooms });
    return chatrooms;
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
}

function generationKey(ownerId: UserId): string {
  return `chatrooms:v1:${ownerId}:generation`;
}

/** `<generation>\n<JSON list>`: the list as read at that generation of the owner. */
function listKey(ownerId: UserId): string {
  return `chatrooms:v2:${ownerId}:list`;
}

const SEPARATOR = '\n';

/** The generation an entry was filled at (null: not an entry of ours). */
function generationOf(entry: string): string | null {
  const at = entry.indexOf(SEPARATOR);
  return at < 0 ? null : entry.slice(0, at);
}

function revive(row: CachedChatroom): Chatroom {
  return new Chatroom({ ...row, createdAt: new Date(row.createdAt), updatedAt: new Date(row.updatedAt) });
}
