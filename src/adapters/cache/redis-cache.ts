import type { Redis } from 'ioredis';
import type { Cache } from '#application/ports/cache.ts';

/** The Cache port on Redis; every key is namespaced under `keyPrefix` so tenants of one Redis never collide. */
export class RedisCache implements Cache {
  private readonly client: Redis;
  private readonly keyPrefix: string;

  constructor(options: { client: Redis; keyPrefix: string }) {
    this.client = options.client;
    this.keyPrefix = options.keyPrefix;
  }

  get(key: string): Promise<string | null> {
    return this.client.get(this.keyPrefix + key);
  }

  getMany(keys: readonly string[]): Promise<(string | null)[]> {
    return this.client.mget(keys.map((key) => this.keyPrefix + key));
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
