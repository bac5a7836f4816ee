import type { Redis } from 'ioredis';
import {
  closeClient,
  createBullMqClient,
  createCommandClient,
  untilReady,
} from '#adapters/cache/redis-connection.ts';
import { redisDurabilityWarnings } from '#adapters/cache/redis-durability.ts';
import type { HealthCheck } from '#adapters/http/health-check.ts';
import type { Logger } from '#application/ports/logger.ts';

/** The Redis clients the adapters share; close() only after everything built on them is closed. */
export interface RedisConnection {
  /** Fails fast: the request path (cache, rate limits, reply streams). */
  commands: Redis;
  /**
   * Fails fast like `commands`: the reply queue (enqueue, job states). A client of its own because BullMQ defines its
   * 64 Lua scripts on the client it is given, and ioredis copies every script of a client into each MULTI made on
   * it: 43 µs per multi() instead of 5 (measured here), twice per reply for the stream's writes.
   */
  queue: Redis;
  /** Waits out an outage: BullMQ workers and event readers. */
  bullmq: Redis;
  /** Pub/Sub only (reply stream wake-ups, stop requests); connects on first use. */
  subscriber: Redis;
  healthCheck: HealthCheck;
  close(): Promise<void>;
}

/** How long start-up waits for Redis before going on unready (readyz says so until it answers). */
const STARTUP_WAIT_MS = 3000;

/** Opens the clients; an unreachable Redis is logged and start-up goes on. */
export async function openRedis(url: string, logger: Logger): Promise<RedisConnection> {
  const commands = createCommandClient(url);
  const queue = createCommandClient(url, 'gemini-chat:queue');
  const bullmq = createBullMqClient(url);
  const subscriber = createBullMqClient(url, 'gemini-chat:subscriber');
  for (const client of [commands, queue, bullmq, subscriber]) reportOutages(client, logger);
  const ready = await untilReady(commands, STARTUP_WAIT_MS).then(
    () => true,
    (error: unknown) => {
      logger.warn({ err: error }, 'Redis is not answering yet; starting unready');
      return false;
    },
  );
  if (ready) for (const warning of await redisDurabilityWarnings(commands)) logger.warn({}, warning);
  return {
    commands,
    queue,
    bullmq,
    subscriber,
    healthCheck: {
      name: 'redis',
      async check() {
        await commands.ping();
      },
    },
    close: async () => {
      await Promise.all([commands, queue, bullmq, subscriber].map(closeClient));
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
