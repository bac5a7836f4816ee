import { Redis } from 'ioredis';
import { closeClient, createCommandClient, untilReady } from '#adapters/cache/redis-connection.ts';
import { testRedis } from './services.ts';

/** Deletes every key under `prefix` (a test's own namespace). */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { lazyConnect: true });
  try {
    await client.connect();
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await client.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

/** A fresh key prefix with a ready command client; cleanUp() closes the client and deletes every key under the prefix. */
export async function redisNamespace() {
  const fresh = await testRedis();
  if (!fresh.available) throw new Error(fresh.reason);
  const client = createCommandClient(fresh.url);
  await untilReady(client, 2000);
  return {
    ...fresh,
    client,
    async cleanUp() {
      await closeClient(client);
      await deleteKeys(fresh.url, fresh.prefix);
    },
  };
}
