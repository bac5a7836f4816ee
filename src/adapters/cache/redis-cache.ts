import DataLoader from 'dataloader';
import type { Redis } from 'ioredis';
import type { Cache } from '#application/ports/cache.ts';

/** The most `getMany` calls one coalesced MGET answers; more in one turn of the event loop make more MGETs. */
const MAX_READS_PER_MGET = 500;

/**
 * The Cache port on Redis; every key is namespaced under `keyPrefix` so tenants of one Redis never collide.
 *
 * `getMany` (the chatroom lists and account standings every cached read asks for) is coalesced: the keys of every
 * `getMany` made in one turn of the event loop go to Redis as one MGET, sent at the next `setImmediate`
 * (DataLoader, without its cache), and each caller gets its own keys' values back. Under load that is one command,
 * one socket write and one reply for the reads of many requests instead of one each: on loopback a write costs the
 * writer the receiver's TCP work too, and a profile of the cached list at 50 connections had about half of this
 * process's CPU in ioredis's socket writes. A read made once a write has answered still sees it (Redis applied the
 * write before answering). A failed MGET fails every read in it; each caller falls back on its own.
 */
export class RedisCache implements Cache {
  private readonly client: Redis;
  private readonly keyPrefix: string;
  private readonly reads: DataLoader<readonly string[], (string | null)[]>;

  constructor(options: { client: Redis; keyPrefix: string }) {
    this.client = options.client;
    this.keyPrefix = options.keyPrefix;
    this.reads = new DataLoader(
      async (reads) => {
        const values = await this.client.mget(reads.flat());
        let at = 0;
        return reads.map((keys) => {
          at += keys.length;
          return values.slice(at - keys.length, at);
        });
      },
      { cache: false, maxBatchSize: MAX_READS_PER_MGET, batchScheduleFn: (send) => setImmediate(send) },
    );
  }

  get(key: string): Promise<string | null> {
    return this.client.get(this.keyPrefix + key);
  }

  getMany(keys: readonly string[]): Promise<(string | null)[]> {
    return this.reads.load(keys.map((key) => this.keyPrefix + key));
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    await this.client.set(this.keyPrefix + key, value, 'EX', ttlSeconds);
  }

  increment(key: string): Promise<number> {
    return this.client.incr(this.keyPrefix + key);
  }

  async delete(key: string): Promise<void> {
    await this.client.del(this.keyPrefix + key);
  }
}
