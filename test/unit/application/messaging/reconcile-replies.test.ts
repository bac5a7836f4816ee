import { describe, expect, it } from 'vitest';
import {
  RECONCILE_LIMIT,
  ReconcileReplies,
  TOOK_TOO_LONG,
} from '#application/messaging/reconcile-replies.ts';
import type { MessageRepository } from '#application/ports/message-repository.ts';
import type { EnqueueOptions, ReplyJob, ReplyQueue } from '#application/ports/reply-queue.ts';
import { ServiceUnavailable } from '#application/shared/service-unavailable.ts';
import { quotaDay } from '#domain/quota/daily-quota.ts';
import { aBuiltId, aChatroom, anExchange, BUILT_AT } from '#test/support/builders.ts';
import { aWorld, givenUser, type World } from '#test/support/world.ts';

const SECOND = 1000;
const deadlines = { requeueAfterMs: 30 * SECOND, failAfterMs: 600 * SECOND };

/** A queue that records what it was asked to enqueue, and can be down. */
function recordingQueue() {
  const enqueued: { job: ReplyJob; options: EnqueueOptions | undefined }[] = [];
  let down = false;
  const queue: ReplyQueue = {
    enqueue: async (job, options) => {
      if (down) throw new ServiceUnavailable('queue', 'The reply queue is unreachable');
      enqueued.push({ job, options });
    },
    waitForOutcome: async () => 'timeout',
  };
  return { queue, enqueued, setDown: (value: boolean) => (down = value) };
}

async function setUp() {
  const world = aWorld({ replyDeadlines: deadlines });
  const user = await givenUser(world);
  const chatroom = aChatroom({ ownerId: user.id });
  await world.chatrooms.create(chatroom);
  const recording = recordingQueue();
  const reconcile = new ReconcileReplies({ ...world, queue: recording.queue });
  /** An exchange sent now (on the world's clock), its prompt counted against the user's quota. */
  const sent = async (content: string) => {
    const exchange = anExchange({ chatroomId: chatroom.id, content, now: world.clock.now() });
    await world.usage.take(user.id, quotaDay(world.clock.now()), null);
    await world.messages.addExchange(exchange.prompt, exchange.reply);
    return exchange;
  };
  const used = () => world.usage.used(user.id, quotaDay(BUILT_AT));
  return { world, user, reconcile, sent, used, ...recording };
}

const replyIds = (enqueued: { job: ReplyJob }[]) => enqueued.map(({ job }) => job.replyId);

describe('ReconcileReplies', () => {
  it('at start queues again every reply still pending, whatever its age, and none that ended', async () => {
    const { world, user, reconcile, sent, enqueued } = await setUp();
    const old = await sent('left pending by the last run');
    const answered = await sent('answered');
    await world.messages.complete(answered.reply.id, 'answer', null);
    world.clock.advance(SECOND);
    const fresh = await sent('sent a second before the start');
    world.clock.advance(1);

    expect(await reconcile.execute({ atStart: true })).toEqual({ requeued: 2, failed: 0 });

    expect(enqueued).toEqual([
      {
        job: { replyId: old.reply.id, userId: user.id, day: quotaDay(BUILT_AT) },
        options: { replaceFinished: true },
      },
      { job: expect.objectContaining({ replyId: fresh.reply.id }), options: { replaceFinished: true } },
    ]);
  });

  it('then queues again only the replies pending longer than the requeue deadline', async () => {
    const { world, reconcile, sent, enqueued } = await setUp();
    const overdue = await sent('its job was lost');
    world.clock.advance(20 * SECOND);
    await sent('still being answered');
    world.clock.advance(10 * SECOND + 1);

    expect(await reconcile.execute()).toEqual({ requeued: 1, failed: 0 });
    expect(replyIds(enqueued)).toEqual([overdue.reply.id]);
  });

  it('does nothing while no reply is overdue', async () => {
    const { world, reconcile, sent, enqueued } = await setUp();
    await sent('being answered');
    world.clock.advance(30 * SECOND - 1);

    expect(await reconcile.execute()).toEqual({ requeued: 0, failed: 0 });
    expect(enqueued).toEqual([]);
    expect(world.logger.entries).toEqual([]);
  });

  it('fails a reply pending past the final deadline, gives its prompt back and tells its followers', async () => {
    const { world, reconcile, sent, enqueued, used } = await setUp();
    const abandoned = await sent('never answered');
    world.clock.advance(590 * SECOND);
    const late = await sent('overdue, not yet abandoned');
    world.clock.advance(40 * SECOND);

    expect(await reconcile.execute()).toEqual({ requeued: 1, failed: 1 });

    expect(await world.messages.findById(abandoned.reply.id)).toMatchObject({
      status: 'failed',
      error: TOOK_TOO_LONG,
    });
    expect(await used()).toBe(1);
    expect((await world.events.read(abandoned.reply.id)).map(({ event }) => event)).toEqual([
      { type: 'error', error: TOOK_TOO_LONG },
    ]);
    expect(replyIds(enqueued)).toEqual([late.reply.id]);
  });

  it('fails a reply once when two processes reconcile at the same time', async () => {
    const { world, reconcile, sent, used } = await setUp();
    await sent('never answered');
    world.clock.advance(600 * SECOND);
    const other = new ReconcileReplies({ ...world, queue: recordingQueue().queue });

    const outcomes = await Promise.all([reconcile.execute(), other.execute()]);

    expect(outcomes.map((outcome) => outcome.failed).sort()).toEqual([0, 1]);
    expect(await used()).toBe(0);
  });

  it('fails while the queue is down, and queues the replies once it is back', async () => {
    const { world, reconcile, sent, enqueued, setDown } = await setUp();
    const overdue = await sent('its job was lost with Redis');
    world.clock.advance(40 * SECOND);
    setDown(true);

    await expect(reconcile.execute()).rejects.toBeInstanceOf(ServiceUnavailable);
    expect((await world.messages.findById(overdue.reply.id))?.status).toBe('pending');

    setDown(false);
    world.clock.advance(10 * SECOND);
    await reconcile.execute();
    expect(replyIds(enqueued)).toEqual([overdue.reply.id]);
  });

  it('leaves a reply pending, its prompt still counted, when ending it cannot be stored', async () => {
    const { world, reconcile, sent, used } = await setUp();
    const abandoned = await sent('never answered');
    world.clock.advance(600 * SECOND);
    const outage = new Error('connection terminated');
    world.usage.giveBack = () => Promise.reject(outage);

    await expect(reconcile.execute()).rejects.toBe(outage);

    expect((await world.messages.findById(abandoned.reply.id))?.status).toBe('pending');
    expect(await used()).toBe(1);
  });

  it('handles up to 10,000 replies in one pass and warns when that limit is reached', async () => {
    const world: World = aWorld({ replyDeadlines: deadlines });
    const asked: { limit: number; createdBefore: Date | undefined }[] = [];
    const manyPending = {
      pendingReplies: async (limit: number, options: { createdBefore?: Date } = {}) => {
        asked.push({ limit, createdBefore: options.createdBefore });
        return Array.from({ length: limit }, () => ({
          replyId: aBuiltId(),
          userId: aBuiltId(),
          createdAt: BUILT_AT,
        }));
      },
    } as Pick<MessageRepository, 'pendingReplies'> as MessageRepository;
    const { queue, enqueued } = recordingQueue();
    world.clock.set(new Date(BUILT_AT.getTime() + 60 * SECOND));

    const outcome = await new ReconcileReplies({ ...world, messages: manyPending, queue }).execute();

    expect(RECONCILE_LIMIT).toBeGreaterThanOrEqual(10_000);
    expect(asked).toEqual([
      { limit: RECONCILE_LIMIT, createdBefore: new Date(BUILT_AT.getTime() + 30 * SECOND) },
    ]);
    expect(outcome.requeued).toBe(RECONCILE_LIMIT);
    expect(enqueued).toHaveLength(RECONCILE_LIMIT);
    expect(world.logger.entries.filter((entry) => entry.level === 'warn')).toMatchObject([
      { fields: { limit: RECONCILE_LIMIT } },
    ]);
  });
});
