import { describe, expect, it } from 'vitest';
import { GenerateReply } from '#application/messaging/generate-reply.ts';
import type { ChatroomRepository } from '#application/ports/chatroom-repository.ts';
import type { LanguageModel } from '#application/ports/language-model.ts';
import type { MessageRepository } from '#application/ports/message-repository.ts';
import { quotaDay } from '#domain/quota/daily-quota.ts';
import { aChatroom, anExchange } from '#test/support/builders.ts';
import { ScriptedLanguageModel } from '#test/support/model-doubles.ts';
import { aWorld, givenUser, type World } from '#test/support/world.ts';

/** A model that never answers: only the deadline it was given ends the call. */
const silentModel: LanguageModel = {
  reply: (_conversation, options) =>
    new Promise((_resolve, reject) => {
      const signal = options?.signal;
      if (!signal) return reject(new Error('called without a deadline: it would hang forever'));
      signal.addEventListener('abort', () => reject(signal.reason));
    }),
  stream: () => {
    throw new Error('not used by GenerateReply');
  },
};

async function givenPendingReply(world: World) {
  const user = await givenUser(world);
  const chatroom = aChatroom({ ownerId: user.id });
  await world.chatrooms.create(chatroom);
  const exchange = anExchange({ chatroomId: chatroom.id, now: world.clock.now() });
  await world.messages.addExchange(exchange.prompt, exchange.reply);
  return { user, chatroom, ...exchange };
}

describe('GenerateReply edges', () => {
  it('abandons a model call that outlives the model timeout, so the queue can retry it', async () => {
    const world = aWorld();
    const { reply } = await givenPendingReply(world);
    const handler = new GenerateReply({ ...world, model: silentModel, modelTimeoutMs: 20 });

    await expect(handler.handle({ replyId: reply.id })).rejects.toMatchObject({ name: 'TimeoutError' });
    expect((await world.messages.findById(reply.id))?.status).toBe('pending');
  });

  it('fails a reply whose prompt is gone instead of leaving it pending forever', async () => {
    const world = aWorld();
    const model = new ScriptedLanguageModel();
    const { prompt, reply } = await givenPendingReply(world);
    const promptGone: MessageRepository = Object.assign(Object.create(world.messages), {
      findById: async (id: string) => (id === prompt.id ? null : world.messages.findById(id)),
    });

    await new GenerateReply({ ...world, messages: promptGone, model, modelTimeoutMs: 1_000 }).handle({
      replyId: reply.id,
    });

    expect(model.conversations).toEqual([]);
    expect(await world.messages.findById(reply.id)).toMatchObject({
      status: 'failed',
      error: 'The prompt no longer exists',
    });
  });

  it('does nothing for a job whose reply no longer exists', async () => {
    const world = aWorld();
    const model = new ScriptedLanguageModel();
    const handler = new GenerateReply({ ...world, model, modelTimeoutMs: 1_000 });

    await expect(handler.handle({ replyId: 'gone' })).resolves.toBeUndefined();
    await expect(handler.giveUp({ replyId: 'gone' }, new Error('down'))).resolves.toBeUndefined();
    expect(model.conversations).toEqual([]);
  });

  it('on giving up, logs the failure with its reply id and cause for operators', async () => {
    const world = aWorld();
    const { reply } = await givenPendingReply(world);
    const handler = new GenerateReply({
      ...world,
      model: new ScriptedLanguageModel(),
      modelTimeoutMs: 1_000,
    });
    const cause = new Error('ECONNRESET');

    await handler.giveUp({ replyId: reply.id }, cause);

    expect(world.logger.entries).toMatchObject([
      { level: 'warn', fields: { err: cause, replyId: reply.id } },
    ]);
  });

  it('on giving up after the chatroom was deleted meanwhile, fails the reply and gives back nothing', async () => {
    const world = aWorld();
    const { user, reply } = await givenPendingReply(world);
    const day = quotaDay(world.clock.now());
    await world.usage.take(user.id, day, 5);
    const deletedMeanwhile: ChatroomRepository = Object.assign(Object.create(world.chatrooms), {
      findById: async () => null,
    });
    const handler = new GenerateReply({
      ...world,
      chatrooms: deletedMeanwhile,
      model: new ScriptedLanguageModel(),
      modelTimeoutMs: 1_000,
    });

    await handler.giveUp({ replyId: reply.id }, new Error('down'));

    expect((await world.messages.findById(reply.id))?.status).toBe('failed');
    expect(await world.usage.used(user.id, day)).toBe(1);
  });
});
