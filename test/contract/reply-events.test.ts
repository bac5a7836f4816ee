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
});
