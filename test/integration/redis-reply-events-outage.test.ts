import { describe, expect, it } from 'vitest';
import { closeClient, createBullMqClient, createCommandClient } from '#adapters/cache/redis-connection.ts';
import { RedisReplyEvents } from '#adapters/streams/redis-reply-events.ts';
import { ServiceUnavailable } from '#application/shared/service-unavailable.ts';
import { freePort } from '#test/support/server-process.ts';
import { SilentLogger } from '#test/support/silent-logger.ts';

describe('Redis reply events while Redis is unreachable', () => {
  it('refuses a stop request with ServiceUnavailable (503), not an internal error', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const client = createCommandClient(url);
    const subscriber = createBullMqClient(url);
    client.on('error', () => {});
    const logger = new SilentLogger();
    const events = new RedisReplyEvents({ client, subscriber, keyPrefix: 'outage:', logger });
    try {
      const refused = await events
        .requestStop('0194f3a0-0000-7000-8000-000000000001')
        .catch((error) => error);
      expect(refused).toBeInstanceOf(ServiceUnavailable);
      expect(refused).toMatchObject({ service: 'redis', retryAfterSeconds: 1 });
      expect(logger.messages('warn')).toEqual(['could not request a stop']);
    } finally {
      await Promise.all([closeClient(client), closeClient(subscriber)]);
    }
  });
});
