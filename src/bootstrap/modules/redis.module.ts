import { ContainerModule } from 'inversify';
import { DEFAULT_RATE_LIMIT_RULES, FlexibleRateLimiter } from '#adapters/cache/flexible-rate-limiter.ts';
import { RedisCache } from '#adapters/cache/redis-cache.ts';
import { BullMqReplyQueue } from '#adapters/queue/bullmq-reply-queue.ts';
import { BullMqReplyWorker } from '#adapters/queue/bullmq-reply-worker.ts';
import { RedisReplyEvents } from '#adapters/streams/redis-reply-events.ts';
import type { Config } from '../config.ts';
import type { RedisConnection } from '../redis.ts';
import { TOKENS } from '../tokens.ts';

/** How long a send waits for a local worker's word before it reads the job's state from Redis (ms). */
const LOCAL_STATE_CHECK_MS = 250;

/** REDIS_URL: the list cache, the rate limits, the BullMQ reply queue and the reply streams, shared by every process; keys under REDIS_KEY_PREFIX. */
export function redisModule(redis: RedisConnection, config: Config): ContainerModule {
  const { keyPrefix } = config.redis;
  const bullPrefix = `${keyPrefix}bull`;
  return new ContainerModule(({ bind }) => {
    bind(RedisReplyEvents)
      .toResolvedValue(
        (logger) =>
          new RedisReplyEvents({ client: redis.commands, subscriber: redis.subscriber, keyPrefix, logger }),
        [TOKENS.Logger],
      )
      .inSingletonScope();
    bind(TOKENS.ReplyEventLog).toService(RedisReplyEvents);
    bind(TOKENS.ReplyCancellation).toService(RedisReplyEvents);
    bind(TOKENS.Cache).toResolvedValue(
      () => new RedisCache({ client: redis.commands, keyPrefix: `${keyPrefix}cache:` }),
    );
    bind(TOKENS.RateLimiter).toResolvedValue(
      (logger) =>
        new FlexibleRateLimiter({
          rules: DEFAULT_RATE_LIMIT_RULES,
          store: { kind: 'redis', client: redis.commands, keyPrefix },
          logger,
        }),
      [TOKENS.Logger],
    );
    bind(BullMqReplyQueue)
      .toResolvedValue(
        (logger, shutdown) =>
          shutdown.closes(
            new BullMqReplyQueue({
              client: redis.queue,
              eventsClient: redis.bullmq,
              prefix: bullPrefix,
              logger,
              backoffMs: config.replyBackoffMs,
              // A worker of this process hands its outcomes over: the job's state is read only if none came by then.
              ...(config.role === 'api' ? {} : { localWorkerStateCheckMs: LOCAL_STATE_CHECK_MS }),
            }),
          ),
        [TOKENS.Logger, TOKENS.Shutdown],
      )
      .inSingletonScope();
    bind(TOKENS.ReplyQueue).toService(BullMqReplyQueue);
    bind(TOKENS.ReplyJobCounts).toService(BullMqReplyQueue);
    // Resolving it starts consuming: only processes whose ROLE runs the worker ask for it.
    bind(TOKENS.ReplyWorker).toResolvedValue(
      (handler, logger, metrics, shutdown, queue) =>
        shutdown.closes(
          new BullMqReplyWorker({
            connection: redis.bullmq,
            prefix: bullPrefix,
            handler,
            logger,
            metrics,
            concurrency: config.workerConcurrency,
            stalledIntervalMs: config.workerStalledIntervalMs,
            lockDurationMs: config.workerStalledIntervalMs,
            // The sends of this process follow its jobs through it, not Redis (ROLE=all).
            local: queue,
          }),
        ),
      [TOKENS.ReplyJobHandler, TOKENS.Logger, TOKENS.Metrics, TOKENS.Shutdown, BullMqReplyQueue],
    );
    bind(TOKENS.HealthCheck).toConstantValue(redis.healthCheck);
  });
}
