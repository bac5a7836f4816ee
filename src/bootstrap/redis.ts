import type { Redis } from 'ioredis';
import type { RateLimitStore } from '#adapters/cache/flexible-rate-limiter.ts';
import { RedisCache } from '#adapters/cache/redis-cache.ts';
import {
  closeClient,
  createBullMqClient,
  createCommandClient,
  untilReady,
} from '#adapters/cache/redis-connection.ts';
import { BullMqReplyQueue } from '#adapters/queue/bullmq-reply-queue.ts';
import { BullMqReplyWorker, type JobScope } from '#adapters/queue/bullmq-reply-worker.ts';
import type { HealthCheck } from '#application/ports/health-check.ts';
import type { Logger } from '#application/ports/logger.ts';
import type { ReplyJobHandler } from '#application/ports/reply-queue.ts';
import type { Config } from './config.ts';

export interface ReplyWorkerOptions {
  /** Wraps each job in a unit of work (the persistence layer's request context). */
  scope?: JobScope;
  /** Defaults to config.workerConcurrency. */
  concurrency?: number;
}

/** Everything the service gets from Redis; close() stops the workers first, then the queue, then the sockets. */
export interface RedisServices {
  cache: RedisCache;
  /** For FlexibleRateLimiter: counters shared by every API process. */
  rateLimitStore: RateLimitStore;
  queue: BullMqReplyQueue;
  startWorker(handler: ReplyJobHandler, options?: ReplyWorkerOptions): BullMqReplyWorker;
  healthCheck: HealthCheck;
  /** For the start-up line, e.g. "redis redis://127.0.0.1:6379 (cache, rate limits, BullMQ)". */
  describe: string;
  close(): Promise<void>;
}

/** How long start-up waits for Redis before going on unready (readyz says so until it answers). */
const STARTUP_WAIT_MS = 3000;

/** Opens the Redis clients and the adapters on them. Needs config.redis.url. */
export async function openRedis(config: Config, logger: Logger): Promise<RedisServices> {
  const url = config.redis.url;
  if (!url) throw new Error('openRedis needs REDIS_URL');
  const keyPrefix = config.redis.keyPrefix;
  const bullPrefix = `${keyPrefix}bull`;
  const commands = createCommandClient(url);
  const bullmq = createBullMqClient(url);
  for (const client of [commands, bullmq]) reportOutages(client, logger);
  await untilReady(commands, STARTUP_WAIT_MS).catch((error: unknown) => {
    logger.warn({ err: error }, 'Redis is not answering yet; starting unready');
  });

  const queue = new BullMqReplyQueue({
    client: commands,
    eventsClient: bullmq,
    prefix: bullPrefix,
    logger,
    backoffMs: config.replyBackoffMs,
  });
  const workers: BullMqReplyWorker[] = [];
  return {
    cache: new RedisCache({ client: commands, keyPrefix: `${keyPrefix}cache:` }),
    rateLimitStore: { kind: 'redis', client: commands, keyPrefix },
    queue,
    startWorker(handler, options = {}) {
      const worker = new BullMqReplyWorker({
        connection: bullmq,
        prefix: bullPrefix,
        handler,
        logger,
        concurrency: options.concurrency ?? config.workerConcurrency,
        scope: options.scope,
        stalledIntervalMs: config.workerStalledIntervalMs,
        lockDurationMs: config.workerStalledIntervalMs,
      });
      workers.push(worker);
      return worker;
    },
    healthCheck: {
      name: 'redis',
      async check() {
        await commands.ping();
      },
    },
    describe: `redis ${redactedUrl(url)} (cache, rate limits, BullMQ queue)`,
    async close() {
      await Promise.all(workers.splice(0).map((worker) => worker.close()));
      await queue.close();
      await Promise.all([closeClient(commands), closeClient(bullmq)]);
    },
  };
}

/** Logs the first error of an outage and the recovery, not every reconnect attempt. */
function reportOutages(client: Redis, logger: Logger): void {
  let down = false;
  client.on('error', (error: unknown) => {
    if (down) return;
    down = true;
    logger.warn({ err: error, connection: client.options.connectionName }, 'Redis connection lost; retrying');
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info({ connection: client.options.connectionName }, 'Redis connection back');
  });
}

function redactedUrl(raw: string): string {
  const url = new URL(raw);
  if (url.password) url.password = '***';
  return url.toString();
}
