import { describe, expect, it } from 'vitest';
import { ResumePendingReplies } from '#application/messaging/resume-pending-replies.ts';
import type { ReplyJob, ReplyQueue } from '#application/ports/reply-queue.ts';
import { aChatroom, anExchange } from '#test/support/builders.ts';
import { aWorld, givenUser } from '#test/support/world.ts';

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

    const enqueued: ReplyJob[] = [];
    const queue: ReplyQueue = {
      enqueue: async (job) => void enqueued.push(job),
      waitForOutcome: async () => 'timeout',
    };
    const resumed = await new ResumePendingReplies({
      messages: world.messages,
      queue,
      logger: world.logger,
    }).execute();

    expect(resumed).toBe(1);
    expect(enqueued).toEqual([{ replyId: left.reply.id }]);
  });
});
