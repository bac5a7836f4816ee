import { FlexibleRateLimiter } from '#adapters/cache/flexible-rate-limiter.ts';
import { RedisCache } from '#adapters/cache/redis-cache.ts';
import { closeClient, createBullMqClient } from '#adapters/cache/redis-connection.ts';
import { BullMqReplyQueue } from '#adapters/queue/bullmq-reply-queue.ts';
import { BullMqReplyWorker } from '#adapters/queue/bullmq-reply-worker.ts';
import { redisNamespace } from '#test/support/redis-keys.ts';
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
