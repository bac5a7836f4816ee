import { describe, expect, it } from 'vitest';
import { InMemoryCache } from '#adapters/cache/in-memory-cache.ts';

function aCache() {
  let now = 1_000_000;
  const cache = new InMemoryCache({ now: () => now });
  return { cache, advance: (ms: number) => (now += ms) };
}

describe('InMemoryCache', () => {
  it('keeps a value for exactly its TTL', async () => {
    const { cache, advance } = aCache();
    await cache.set('key', 'value', 10);
    advance(9_999);
    expect(await cache.get('key')).toBe('value');
    advance(1);
    expect(await cache.get('key')).toBeNull();
  });

  it('keeps the expiry of a value it increments, and counts afresh once it expired', async () => {
    const { cache, advance } = aCache();
    await cache.set('count', '41', 10);
    expect(await cache.increment('count')).toBe(42);
    advance(10_000);
    expect(await cache.get('count')).toBeNull();
    expect(await cache.increment('count')).toBe(1);
  });

  it('refuses to increment text that is not a number', async () => {
    const { cache } = aCache();
    await cache.set('list', '[]', 10);
    await expect(cache.increment('list')).rejects.toThrow('not an integer');
  });
});
