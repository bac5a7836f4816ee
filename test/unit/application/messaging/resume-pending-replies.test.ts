import { describe, expect, it } from 'vitest';
import { RESUME_LIMIT, ResumePendingReplies } from '#application/messaging/resume-pending-replies.ts';
import type { MessageRepository } from '#application/ports/message-repository.ts';
import type { EnqueueOptions, ReplyJob, ReplyQueue } from '#application/ports/reply-queue.ts';
import { quotaDay } from '#domain/quota/daily-quota.ts';
import { aBuiltId, aChatroom, anExchange, BUILT_AT } from '#test/support/builders.ts';
import { aWorld, givenUser } from '#test/support/world.ts';

/** A queue that only records what it was asked to enqueue. */
function recordingQueue() {
  const enqueued: { job: ReplyJob; options: EnqueueOptions | undefined }[] = [];
  const queue: ReplyQueue = {
    enqueue: async (job, options) => void enqueued.push({ job, options }),
    waitForOutcome: async () => 'timeout',
  };
  return { queue, enqueued };
}

describe('ResumePendingReplies', () => {
  it('queues again every reply left pending, and none that ended', async () => {
    const world = aWorld();
    const user = await givenUser(world);
    const chatroom = aChatroom({ ownerId: user.id });
    await world.chatrooms.create(chatroom);
    const left = anExchange({ chatroomId: chatroom.id, content: 'left pending' });
    const done = anExchange({ chatroomId: chatroom.id, content: 'answered' });
    await world.messages.addExchange(left.prompt, left.reply);
    await world.messages.addExchange(done.prompt, done.reply);
    await world.messages.complete(done.reply.id, 'answer', null);

    const { queue, enqueued } = recordingQueue();
    const resumed = await new ResumePendingReplies({
      messages: world.messages,
      queue,
      logger: world.logger,
    }).execute();

    expect(resumed).toBe(1);
    expect(enqueued.map((entry) => entry.job)).toEqual([
      { replyId: left.reply.id, userId: user.id, day: quotaDay(left.reply.createdAt) },
    ]);
    expect(world.logger.messages('warn')).toEqual([]);
  });

  it('asks the queue to run again a job that finished while its reply stayed pending', async () => {
    const world = aWorld();
    const user = await givenUser(world);
    const chatroom = aChatroom({ ownerId: user.id });
    await world.chatrooms.create(chatroom);
    const left = anExchange({ chatroomId: chatroom.id, content: 'its giveUp failed' });
    await world.messages.addExchange(left.prompt, left.reply);

    const { queue, enqueued } = recordingQueue();
    await new ResumePendingReplies({ messages: world.messages, queue, logger: world.logger }).execute();

    expect(enqueued).toEqual([
      { job: expect.objectContaining({ replyId: left.reply.id }), options: { replaceFinished: true } },
    ]);
  });

  it('resumes up to 10,000 replies in one start and warns when that limit is reached', async () => {
    const world = aWorld();
    const limits: number[] = [];
    const manyPending = {
      pendingReplies: async (limit: number) => {
        limits.push(limit);
        return Array.from({ length: limit }, () => ({
          replyId: aBuiltId(),
          userId: aBuiltId(),
          createdAt: BUILT_AT,
        }));
      },
    } as Pick<MessageRepository, 'pendingReplies'> as MessageRepository;
    const { queue, enqueued } = recordingQueue();

    const resumed = await new ResumePendingReplies({
      messages: manyPending,
      queue,
      logger: world.logger,
    }).execute();

    expect(RESUME_LIMIT).toBeGreaterThanOrEqual(10_000);
    expect(limits).toEqual([RESUME_LIMIT]);
    expect(resumed).toBe(RESUME_LIMIT);
    expect(enqueued).toHaveLength(RESUME_LIMIT);
    expect(world.logger.entries.filter((entry) => entry.level === 'warn')).toMatchObject([
      { fields: { limit: RESUME_LIMIT } },
    ]);
  });
});
