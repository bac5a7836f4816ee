import type { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { FlexibleRateLimiter } from '#adapters/cache/flexible-rate-limiter.ts';
import { RedisCache } from '#adapters/cache/redis-cache.ts';
import {
  closeClient,
  createBullMqClient,
  createCommandClient,
  untilReady,
} from '#adapters/cache/redis-connection.ts';
import { BullMqReplyQueue } from '#adapters/queue/bullmq-reply-queue.ts';
import { BullMqReplyWorker } from '#adapters/queue/bullmq-reply-worker.ts';
import { redisNamespace } from '#test/support/redis-keys.ts';
import { freePort } from '#test/support/server-process.ts';
import { testRedis, withServices } from '#test/support/services.ts';
import { SilentLogger } from '#test/support/silent-logger.ts';
import { cacheContract } from './cache.contract.ts';
import { rateLimiterContract } from './rate-limiter.contract.ts';
import { replyQueueContract } from './reply-queue.contract.ts';

withServices([await testRedis()], () => {
  cacheContract('redis', async () => {
    const space = await redisNamespace();
    return { cache: new RedisCache({ client: space.client, keyPrefix: space.prefix }), close: space.cleanUp };
  });

  // As the service wires it: reads on a client of their own, auto-pipelined; writes on the command client.
  cacheContract('redis, reads auto-pipelined on their own client', async () => {
    const space = await redisNamespace();
    const reads = createCommandClient(space.url, 'test:cache-reads', { autoPipelining: true });
    await untilReady(reads, 2000);
    return {
      cache: new RedisCache({ client: space.client, readClient: reads, keyPrefix: space.prefix }),
      async close() {
        await closeClient(reads);
        await space.cleanUp();
      },
    };
  });

  describe('RedisCache reads on an auto-pipelined client', () => {
    it('sends the reads of many concurrent requests in one socket write, not one each', async () => {
      const space = await redisNamespace();
      const reads = createCommandClient(space.url, 'test:cache-reads', { autoPipelining: true });
      try {
        await untilReady(reads, 2000);
        const cache = new RedisCache({ client: space.client, readClient: reads, keyPrefix: space.prefix });
        await cache.set('list', 'the list', 60);
        const stream = (reads as unknown as { stream: Writable }).stream;
        const write = vi.spyOn(stream, 'write');
        const lists = await Promise.all(
          Array.from({ length: 50 }, () => cache.getMany(['generation', 'list'])),
        );
        expect(lists).toEqual(Array.from({ length: 50 }, () => [null, 'the list']));
        expect(write).toHaveBeenCalledTimes(1);
      } finally {
        await closeClient(reads);
        await space.cleanUp();
      }
    });

    it('fails a read at once when its client cannot reach Redis, while writes still go', async () => {
      const space = await redisNamespace();
      const refused = createCommandClient(`redis://127.0.0.1:${await freePort()}`, 'test:cache-reads', {
        autoPipelining: true,
      });
      refused.on('error', () => {});
      try {
        const cache = new RedisCache({ client: space.client, readClient: refused, keyPrefix: space.prefix });
        const started = performance.now();
        await expect(cache.getMany(['generation', 'list'])).rejects.toThrow();
        expect(performance.now() - started).toBeLessThan(1500);
        await expect(cache.increment('generation')).resolves.toBe(1);
      } finally {
        refused.disconnect();
        await space.cleanUp();
      }
    });
  });

  rateLimiterContract('rate-limiter-flexible on redis', async () => {
    const space = await redisNamespace();
    const rules = {
      otpSend: { points: 3, durationSeconds: 60 },
      loginFailure: { points: 4, durationSeconds: 30 },
    };
    const store = { kind: 'redis' as const, client: space.client, keyPrefix: space.prefix };
    return { limiter: new FlexibleRateLimiter({ rules, store }), rules, close: space.cleanUp };
  });

  replyQueueContract('bullmq', async ({ handler, backoffMs }) => {
    const space = await redisNamespace();
    const blocking = createBullMqClient(space.url);
    const logger = new SilentLogger();
    const prefix = `${space.prefix}bull`;
    const queue = new BullMqReplyQueue({
      client: space.client,
      eventsClient: blocking,
      prefix,
      logger,
      backoffMs,
    });
    const worker = new BullMqReplyWorker({ connection: blocking, prefix, handler, logger, concurrency: 4 });
    await worker.waitUntilReady();
    return {
      queue,
      async close() {
        await worker.close();
        await queue.close();
        await closeClient(blocking);
        await space.cleanUp();
      },
    };
  });
});
