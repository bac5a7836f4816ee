import type { Redis } from 'ioredis';
import type { Cache } from '#application/ports/cache.ts';

/**
 * The Cache port on Redis; every key is namespaced under `keyPrefix` so tenants of one Redis never collide. Reads
 * may go through a client of their own (`readClient`): the hot cached reads, sent auto-pipelined so that the reads of
 * many concurrent requests share one socket write. A read issued after a write has answered still sees it (Redis
 * applied the write before answering it), whichever connection each took.
 */
export class RedisCache implements Cache {
  private readonly client: Redis;
  private readonly readClient: Redis;
  private readonly keyPrefix: string;

  constructor(options: { client: Redis; readClient?: Redis; keyPrefix: string }) {
    this.client = options.client;
    this.readClient = options.readClient ?? options.client;
    this.keyPrefix = options.keyPrefix;
  }

  get(key: string): Promise<string | null> {
    return this.readClient.get(this.keyPrefix + key);
  }

  getMany(keys: readonly string[]): Promise<(string | null)[]> {
    return this.readClient.mget(keys.map((key) => this.keyPrefix + key));
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
