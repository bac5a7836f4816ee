import { describe, expect, it } from 'vitest';
import { GenerateReply } from '#application/messaging/generate-reply.ts';
import type { LanguageModel } from '#application/ports/language-model.ts';
import type { MessageRepository } from '#application/ports/message-repository.ts';
import { quotaDay } from '#domain/quota/daily-quota.ts';
import { aChatroom, anExchange, aReplyJob } from '#test/support/builders.ts';
import { ScriptedLanguageModel } from '#test/support/model-doubles.ts';
import { aWorld, givenUser, type World } from '#test/support/world.ts';

async function givenPendingReply(world: World) {
  const user = await givenUser(world);
  const chatroom = aChatroom({ ownerId: user.id });
  await world.chatrooms.create(chatroom);
  const now = world.clock.now();
  const exchange = anExchange({ chatroomId: chatroom.id, now });
  await world.messages.addExchange(exchange.prompt, exchange.reply);
  return { user, ...exchange, job: aReplyJob(exchange.reply.id, { userId: user.id, day: quotaDay(now) }) };
}

/** A model that writes nothing until its call is aborted; it counts its calls. */
function silentUntilAborted() {
  const model = {
    calls: 0,
    async *stream(_conversation, options) {
      model.calls += 1;
      await new Promise((_resolve, reject) => {
        options?.signal?.addEventListener('abort', () => reject(options.signal?.reason));
      });
    },
  } satisfies LanguageModel & { calls: number };
  return model;
}

describe('GenerateReply edges', () => {
  it('fails a reply whose prompt is gone instead of leaving it pending forever', async () => {
    const world = aWorld();
    const model = new ScriptedLanguageModel();
    const { prompt, reply, job } = await givenPendingReply(world);
    const promptGone: MessageRepository = Object.assign(Object.create(world.messages), {
      findById: async (id: string) => (id === prompt.id ? null : world.messages.findById(id)),
    });

    await new GenerateReply({ ...world, messages: promptGone, model }).handle(job);

    expect(model.conversations).toEqual([]);
    expect(await world.messages.findById(reply.id)).toMatchObject({
      status: 'failed',
      error: 'The prompt no longer exists',
    });
  });

  it('does nothing for a job whose reply no longer exists', async () => {
    const world = aWorld();
    const model = new ScriptedLanguageModel();
    const handler = new GenerateReply({ ...world, model });

    await expect(handler.handle(aReplyJob('gone'))).resolves.toBeUndefined();
    await expect(handler.giveUp(aReplyJob('gone'), new Error('down'))).resolves.toBeUndefined();
    expect(model.conversations).toEqual([]);
  });

  it('on giving up, logs the failure with its reply id and cause for operators', async () => {
    const world = aWorld();
    const { job } = await givenPendingReply(world);
    const handler = new GenerateReply({ ...world, model: new ScriptedLanguageModel() });
    const cause = new Error('ECONNRESET');

    await handler.giveUp(job, cause);

    expect(world.logger.entries.filter((entry) => entry.level === 'warn')).toMatchObject([
      { level: 'warn', fields: { err: cause, replyId: job.replyId } },
    ]);
  });

  it('ends a reply stopped before any text with nothing, giving its prompt back', async () => {
    const world = aWorld();
    const { user, job } = await givenPendingReply(world);
    await world.usage.take(user.id, job.day, null);
    const model = silentUntilAborted();
    const worker = new GenerateReply({ ...world, model }).handle(job);
    while (model.calls === 0) await new Promise((resolve) => setTimeout(resolve, 5));

    await world.cancellation.requestStop(job.replyId);
    await worker;

    expect(await world.messages.findById(job.replyId)).toMatchObject({ status: 'stopped', content: '' });
    expect(await world.usage.used(user.id, job.day)).toBe(0);
  });

  it('never calls the model for a reply stopped while still queued', async () => {
    const world = aWorld();
    const { job } = await givenPendingReply(world);
    const model = silentUntilAborted();
    await world.cancellation.requestStop(job.replyId);

    await new GenerateReply({ ...world, model }).handle(job);

    expect(model.calls).toBe(0);
    expect(await world.messages.findById(job.replyId)).toMatchObject({ status: 'stopped', content: '' });
  });
});
