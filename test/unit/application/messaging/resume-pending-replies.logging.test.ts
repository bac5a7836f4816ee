import { describe, expect, it } from 'vitest';
import { ResumePendingReplies } from '#application/messaging/resume-pending-replies.ts';
import type { ReplyQueue } from '#application/ports/reply-queue.ts';
import { aChatroom, anExchange } from '#test/support/builders.ts';
import { aWorld, givenUser, type World } from '#test/support/world.ts';

const acceptingQueue: ReplyQueue = { enqueue: async () => undefined, waitForOutcome: async () => 'timeout' };

async function givenPendingReplies(world: World, count: number) {
  const user = await givenUser(world);
  const chatroom = aChatroom({ ownerId: user.id });
  await world.chatrooms.create(chatroom);
  for (let i = 0; i < count; i++) {
    const { prompt, reply } = anExchange({ chatroomId: chatroom.id, content: `left pending ${i}` });
    await world.messages.addExchange(prompt, reply);
  }
}

function resume(world: World) {
  return new ResumePendingReplies({
    messages: world.messages,
    queue: acceptingQueue,
    logger: world.logger,
  }).execute();
}

describe('ResumePendingReplies logging', () => {
  it('tells operators how many replies a start resumed', async () => {
    const world = aWorld();
    await givenPendingReplies(world, 2);

    await resume(world);

    expect(world.logger.entries).toMatchObject([{ level: 'info', fields: { count: 2 } }]);
  });

  it('logs nothing on a start with no reply pending', async () => {
    const world = aWorld();

    expect(await resume(world)).toBe(0);
    expect(world.logger.entries).toEqual([]);
  });
});
