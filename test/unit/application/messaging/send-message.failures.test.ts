import { describe, expect, it } from 'vitest';
import { SendMessage } from '#application/messaging/send-message.ts';
import type { MessageRepository } from '#application/ports/message-repository.ts';
import type { ReplyQueue } from '#application/ports/reply-queue.ts';
import type { UsageCounter } from '#application/ports/usage-counter.ts';
import { quotaDay } from '#domain/quota/daily-quota.ts';
import { aChatroom } from '#test/support/builders.ts';
import { aWorld, givenUser, type World } from '#test/support/world.ts';

const unreachableQueue: ReplyQueue = {
  enqueue: () => Promise.reject(new Error('queue down')),
  waitForOutcome: async () => 'timeout',
};

/** A user with a chatroom, sending through ports the test may swap (`around` sees the world first). */
async function setUp(around: (world: World) => { messages?: MessageRepository; usage?: UsageCounter }) {
  const world = aWorld();
  const user = await givenUser(world);
  const chatroom = aChatroom({ ownerId: user.id });
  await world.chatrooms.create(chatroom);
  const sendMessage = new SendMessage({ ...world, queue: unreachableQueue, ...around(world) });
  return {
    world,
    user,
    send: () =>
      sendMessage.execute({ userId: user.id, chatroomId: chatroom.id, content: 'Hi', mode: 'async' }),
    used: () => world.usage.used(user.id, quotaDay(world.clock.now())),
  };
}

describe('SendMessage failures', () => {
  it('answers not found and gives the prompt back when the chatroom is deleted during the send', async () => {
    const { send, used } = await setUp((world) => ({
      messages: Object.assign(Object.create(world.messages), {
        addExchange: async (...exchange: Parameters<MessageRepository['addExchange']>) => {
          const chatroom = (await world.chatrooms.findById(exchange[0].chatroomId))!;
          await world.chatrooms.delete(chatroom.id, chatroom.ownerId);
          return world.messages.addExchange(...exchange);
        },
      }),
    }));

    await expect(send()).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await used()).toBe(0);
  });

  it('still reports the send failure when giving the prompt back fails too, and logs the lost give-back', async () => {
    const counterDown = new Error('usage counter down');
    const { world, user, send } = await setUp((world) => ({
      usage: Object.assign(Object.create(world.usage), { giveBack: () => Promise.reject(counterDown) }),
    }));

    await expect(send()).rejects.toThrow('queue down');

    expect(world.logger.entries).toMatchObject([{ level: 'error', fields: { err: counterDown } }]);
    expect(await world.usage.used(user.id, quotaDay(world.clock.now()))).toBe(1);
  });

  it('leaves the reply pending for the reconciler when the refused exchange cannot be taken back, and logs it', async () => {
    const storeDown = new Error('database down');
    const { world, send } = await setUp((world) => ({
      messages: Object.assign(Object.create(world.messages), {
        discardExchange: () => Promise.reject(storeDown),
      }),
    }));

    await expect(send()).rejects.toThrow('queue down');

    const [pending] = await world.messages.pendingReplies(10);
    expect(world.logger.entries).toMatchObject([
      { level: 'error', fields: { err: storeDown, replyId: pending!.replyId } },
    ]);
  });
});
