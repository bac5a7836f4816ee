import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
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

/** The reply events of two processes on one Redis namespace: each its own subscriber, the command client shared. */
async function twoProcesses(options: { clockMarginMs?: number } = {}) {
  const space = await redisNamespace();
  const subscribers = [createBullMqClient(space.url), createBullMqClient(space.url)];
  const [mine, theirs] = subscribers.map(
    (subscriber) =>
      new RedisReplyEvents({
        client: space.client,
        subscriber,
        keyPrefix: space.prefix,
        logger: new SilentLogger(),
        ...options,
      }),
  ) as [RedisReplyEvents, RedisReplyEvents];
  return {
    mine,
    theirs,
    subscriber: subscribers[0]!,
    client: space.client,
    async close() {
      await Promise.all(subscribers.map(closeClient));
      await space.cleanUp();
    },
  };
}

withServices([await testRedis()], () => {
  replyEventsContract('redis', async () => {
    const { mine, theirs, close } = await twoProcesses();
    return { log: mine, cancellation: mine, peer: { log: theirs, cancellation: theirs }, close };
  });

  describe('RedisReplyEvents stop requests', () => {
    async function twoProcessesCountingFlagReads() {
      const processes = await twoProcesses({ clockMarginMs: 0 });
      return { ...processes, flagReads: vi.spyOn(processes.client, 'exists') };
    }

    it('knows of a stop requested before the watch without reading Redis, when it has heard every stop since the reply was created', async () => {
      const { mine, theirs, flagReads, close } = await twoProcessesCountingFlagReads();
      try {
        // Watching any reply subscribes this process to the stop requests.
        (await mine.watch(randomUUID(), () => {}))();
        await sleep(5);
        const createdAt = new Date();
        const [stopped, running] = [randomUUID(), randomUUID()];
        await theirs.requestStop(stopped);
        await sleep(50);
        flagReads.mockClear();

        const stops: string[] = [];
        (await mine.watch(stopped, () => stops.push(stopped), createdAt))();
        (await mine.watch(running, () => stops.push(running), createdAt))();

        expect(stops).toEqual([stopped]);
        expect(flagReads).not.toHaveBeenCalled();
      } finally {
        await close();
      }
    });

    it("reads the stop's flag for a reply created before this process heard every stop: before it subscribed, or before a break", async () => {
      const { mine, theirs, subscriber, flagReads, close } = await twoProcessesCountingFlagReads();
      try {
        const [early, late] = [randomUUID(), randomUUID()];
        const createdAt = new Date(Date.now() - 1);
        await theirs.requestStop(early);
        const stops: string[] = [];
        (await mine.watch(early, () => stops.push(early), createdAt))();
        expect(stops).toEqual([early]);
        expect(flagReads).toHaveBeenCalledTimes(1);

        // A reply created while every stop was heard; then the subscriber loses its connection, and a stop requested
        // meanwhile is not heard.
        await sleep(5);
        const lateCreatedAt = new Date();
        const reconnected = new Promise((resolve) => subscriber.once('ready', resolve));
        subscriber.disconnect(true);
        await theirs.requestStop(late);
        await reconnected;
        await sleep(50);
        (await mine.watch(late, () => stops.push(late), lateCreatedAt))();
        expect(stops).toEqual([early, late]);
        expect(flagReads).toHaveBeenCalledTimes(2);
      } finally {
        await close();
      }
    });
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
