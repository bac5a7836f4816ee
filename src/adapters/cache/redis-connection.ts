import { Redis } from 'ioredis';

/** How long a command on the request path may take before it fails (ms). */
export const COMMAND_TIMEOUT_MS = 1000;

/**
 * A client for the request path (cache, rate limits, enqueue): while Redis is down its commands fail at once
 * (no offline queue) or within COMMAND_TIMEOUT_MS, so a request answers 503 instead of hanging.
 */
export function createCommandClient(url: string, connectionName = 'gemini-chat:commands'): Redis {
  return new Redis(url, {
    connectionName,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: COMMAND_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
}

/**
 * A client for BullMQ's workers and event readers, which block on Redis and must wait out an outage rather than
 * fail: BullMQ requires `maxRetriesPerRequest: null`. Lazy, so a process that never consumes opens no socket.
 */
export function createBullMqClient(url: string, connectionName = 'gemini-chat:bullmq'): Redis {
  return new Redis(url, {
    connectionName,
    maxRetriesPerRequest: null,
    lazyConnect: true,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
}

/** Waits until the client is connected, or rejects after `timeoutMs`. */
export async function untilReady(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      reject(new Error(`Redis not ready after ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    client.once('ready', onReady);
  });
}

/** Closes a client politely, or drops it when Redis is not answering. */
export async function closeClient(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  await client.quit().catch(() => client.disconnect());
}
