import type { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { FlexibleRateLimiter } from '#adapters/cache/flexible-rate-limiter.ts';
import { RedisCache } from '#adapters/cache/redis-cache.ts';
import { closeClient, createBullMqClient, createCommandClient } from '#adapters/cache/redis-connection.ts';
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

  describe('RedisCache reads made at once', () => {
    it('go to Redis as one MGET in one socket write, each answered with its own keys', async () => {
      const space = await redisNamespace();
      try {
        const cache = new RedisCache({ client: space.client, keyPrefix: space.prefix });
        await Promise.all(Array.from({ length: 50 }, (_, i) => cache.set(`list-${i}`, `list ${i}`, 60)));
        const stream = (space.client as unknown as { stream: Writable }).stream;
        const write = vi.spyOn(stream, 'write');
        const reads = await Promise.all(
          Array.from({ length: 50 }, (_, i) => cache.getMany([`generation-${i}`, `list-${i}`])),
        );
        expect(reads).toEqual(Array.from({ length: 50 }, (_, i) => [null, `list ${i}`]));
        expect(write).toHaveBeenCalledTimes(1);
        expect(String(write.mock.calls[0]?.[0])).toMatch(/^\*101\r\n\$4\r\nmget\r\n/i);
      } finally {
        await space.cleanUp();
      }
    });

    it('all fail at once when Redis cannot be reached, and each caller can fall back', async () => {
      const refused = createCommandClient(`redis://127.0.0.1:${await freePort()}`);
      refused.on('error', () => {});
      try {
        const cache = new RedisCache({ client: refused, keyPrefix: 'unreachable:' });
        const started = performance.now();
        const reads = await Promise.allSettled(Array.from({ length: 10 }, () => cache.getMany(['a', 'b'])));
        expect(reads.map((read) => read.status)).toEqual(Array(10).fill('rejected'));
        expect(performance.now() - started).toBeLessThan(1500);
      } finally {
        refused.disconnect();
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
