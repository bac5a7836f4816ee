import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { closeClient, createBullMqClient } from '#adapters/cache/redis-connection.ts';
import { InProcessReplyEvents } from '#adapters/streams/in-process-reply-events.ts';
import { RedisReplyEvents } from '#adapters/streams/redis-reply-events.ts';
import { redisNamespace } from '#test/support/redis-keys.ts';
import { testRedis, withServices } from '#test/support/services.ts';
import { SilentLogger } from '#test/support/silent-logger.ts';
import { replyEventsContract } from './reply-events.contract.ts';

replyEventsContract('in-process', async () => {
  const events = new InProcessReplyEvents();
  return {
    log: events,
    cancellation: events,
    peer: { log: events, cancellation: events },
    close: async () => {},
  };
});

withServices([await testRedis()], () => {
  replyEventsContract('redis', async () => {
    const space = await redisNamespace();
    const subscribers = [createBullMqClient(space.url), createBullMqClient(space.url)];
    const [mine, theirs] = subscribers.map(
      (subscriber) =>
        new RedisReplyEvents({
          client: space.client,
          subscriber,
          keyPrefix: space.prefix,
          logger: new SilentLogger(),
        }),
    ) as [RedisReplyEvents, RedisReplyEvents];
    return {
      log: mine,
      cancellation: mine,
      peer: { log: theirs, cancellation: theirs },
      async close() {
        await Promise.all(subscribers.map(closeClient));
        await space.cleanUp();
      },
    };
  });

  describe('RedisReplyEvents retention', () => {
    it("keeps a reply's events an hour while it is written, and keptSeconds once it has ended", async () => {
      const space = await redisNamespace();
      const subscriber = createBullMqClient(space.url);
      const log = new RedisReplyEvents({
        client: space.client,
        subscriber,
        keyPrefix: space.prefix,
        logger: new SilentLogger(),
        keptSeconds: 120,
      });
      try {
        const replyId = randomUUID();
        const key = `${space.prefix}reply:{${replyId}}:events`;
        await log.append(replyId, [{ type: 'attempt' }, { type: 'delta', text: 'Hi' }]);
        expect(await space.client.ttl(key)).toBeGreaterThan(3500);

        await log.append(replyId, [{ type: 'finish', finishReason: 'stop', tokens: null }]);
        const ttl = await space.client.ttl(key);
        expect(ttl).toBeGreaterThan(100);
        expect(ttl).toBeLessThanOrEqual(120);
        expect((await log.read(replyId)).map(({ event }) => event)).toEqual([
          { type: 'attempt' },
          { type: 'delta', text: 'Hi' },
          { type: 'finish', finishReason: 'stop', tokens: null },
        ]);
      } finally {
        await closeClient(subscriber);
        await space.cleanUp();
      }
    });
  });
});
