import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisDurabilityWarnings } from '#adapters/cache/redis-durability.ts';
import { redisNamespace } from '#test/support/redis-keys.ts';
import { type RedisServer, startRedisServer } from '#test/support/redis-server.ts';
import { testRedis } from '#test/support/services.ts';

const redis = await testRedis();

describe.skipIf(!redis.available)('Redis durability check at start', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer([
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxmemory-policy',
      'allkeys-lru',
    ]);
  });
  afterAll(() => server?.stop());

  it('warns when nothing is kept on disk and keys may be evicted', async () => {
    const warnings = await redisDurabilityWarnings(server.client);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/keeps nothing on disk/);
    expect(warnings[1]).toMatch(/allkeys-lru/);
  });

  it('is quiet once AOF is on and eviction is off', async () => {
    await server.client.config('SET', 'appendonly', 'yes');
    await server.client.config('SET', 'maxmemory-policy', 'noeviction');
    expect(await redisDurabilityWarnings(server.client)).toEqual([]);
  });

  it('says it could not check when CONFIG is refused', async () => {
    const space = await redisNamespace();
    const refusing = Object.create(space.client, {
      config: { value: async () => Promise.reject(new Error("ERR unknown command 'CONFIG'")) },
    });
    expect(await redisDurabilityWarnings(refusing)).toEqual([expect.stringMatching(/could not read/)]);
    await space.cleanUp();
  });
});
