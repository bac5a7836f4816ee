import { describe, expect, it } from 'vitest';
import { GenerateReply } from '#application/messaging/generate-reply.ts';
import { STOP_WAIT_MS, StopReply } from '#application/messaging/stop-reply.ts';
import type { LanguageModel, ModelStreamPart } from '#application/ports/language-model.ts';
import { quotaDay } from '#domain/quota/daily-quota.ts';
import { aChatroom, anExchange, aReplyJob } from '#test/support/builders.ts';
import { aWorld, givenUser, type World } from '#test/support/world.ts';

/** A model that writes `text`, then keeps writing nothing until its call is aborted. */
function writesThenWaits(text: string): LanguageModel {
  return {
    async *stream(_conversation, options): AsyncIterable<ModelStreamPart> {
      yield { type: 'text', text };
      await new Promise((_resolve, reject) => {
        options?.signal?.addEventListener('abort', () => reject(options.signal?.reason));
      });
    },
  };
}

async function setUp() {
  const world = aWorld();
  const user = await givenUser(world);
  const chatroom = aChatroom({ ownerId: user.id });
  await world.chatrooms.create(chatroom);
  const day = quotaDay(world.clock.now());
  await world.usage.take(user.id, day, null);
  const { prompt, reply } = anExchange({ chatroomId: chatroom.id, now: world.clock.now() });
  await world.messages.addExchange(prompt, reply);
  const stop = (messageId = reply.id) =>
    new StopReply(world).execute({ userId: user.id, chatroomId: chatroom.id, messageId });
  return {
    world,
    prompt,
    reply,
    stop,
    job: aReplyJob(reply.id, { userId: user.id, day }),
    used: () => world.usage.used(user.id, day),
  };
}

async function untilWritten(world: World, replyId: string, text: string) {
  for (let i = 0; i < 100; i++) {
    const events = await world.events.read(replyId);
    if (events.some(({ event }) => event.type === 'delta' && event.text === text)) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`the worker never wrote ${text}`);
}

describe('StopReply', () => {
  it('stops a reply its worker is writing, keeping all the text written so far, without waiting out the deadline', async () => {
    const { world, reply, job, stop, used } = await setUp();
    const worker = new GenerateReply({ ...world, model: writesThenWaits('Hello wor') }).handle(job);
    await untilWritten(world, reply.id, 'Hello wor');

    const started = Date.now();
    const stopped = await stop();

    expect(Date.now() - started).toBeLessThan(STOP_WAIT_MS);
    expect(stopped).toMatchObject({ id: reply.id, status: 'stopped', content: 'Hello wor' });
    await worker;
    expect(await used()).toBe(1);
  });

  it('ends a reply no worker is writing after the wait, with the text last saved, which counts', async () => {
    const { world, reply, stop, used } = await setUp();
    await world.messages.saveProgress(reply.id, 'Saved part');

    const stopped = await stop();

    expect(stopped).toMatchObject({ status: 'stopped', content: 'Saved part' });
    expect(await world.messages.findById(reply.id)).toMatchObject({
      status: 'stopped',
      content: 'Saved part',
    });
    expect(await used()).toBe(1);
  });

  it('ends a reply still queued with no text, giving its prompt back', async () => {
    const { stop, used } = await setUp();
    expect(await stop()).toMatchObject({ status: 'stopped', content: '' });
    expect(await used()).toBe(0);
  });

  it('returns a reply that already ended as it is, asking no worker to stop', async () => {
    const { world, reply, stop } = await setUp();
    await world.messages.complete(reply.id, 'Done', null);

    expect(await stop()).toMatchObject({ status: 'completed', content: 'Done' });
    expect(await world.cancellation.isStopRequested(reply.id)).toBe(false);
  });

  it('refuses to stop a user message', async () => {
    const { prompt, stop } = await setUp();
    await expect(stop(prompt.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
