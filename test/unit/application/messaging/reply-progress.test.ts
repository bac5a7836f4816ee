import { describe, expect, it } from 'vitest';
import { GenerateReply } from '#application/messaging/generate-reply.ts';
import { ReplyProgress, SAVE_EVERY_MS } from '#application/messaging/reply-progress.ts';
import {
  type LanguageModel,
  LanguageModelError,
  type ModelStreamPart,
} from '#application/ports/language-model.ts';
import type { MessageRepository } from '#application/ports/message-repository.ts';
import type { ReplyEventLog } from '#application/ports/reply-events.ts';
import { quotaDay } from '#domain/quota/daily-quota.ts';
import { aChatroom, anExchange, aReplyJob } from '#test/support/builders.ts';
import { SilentLogger } from '#test/support/silent-logger.ts';
import { aWorld, givenUser, type World } from '#test/support/world.ts';

/** A model that writes `parts`, then (when given) fails with `failure`. */
function writes(parts: string[], failure?: Error): LanguageModel {
  return {
    reply: () => Promise.reject(new Error('only streamed')),
    async *stream(): AsyncIterable<ModelStreamPart> {
      for (const text of parts) yield { type: 'text', text };
      if (failure) throw failure;
      yield { type: 'finish', finishReason: 'stop', tokenUsage: null };
    },
  };
}

async function givenPendingReply(world: World) {
  const user = await givenUser(world);
  const chatroom = aChatroom({ ownerId: user.id });
  await world.chatrooms.create(chatroom);
  const now = world.clock.now();
  const { prompt, reply } = anExchange({ chatroomId: chatroom.id, now });
  await world.messages.addExchange(prompt, reply);
  return aReplyJob(reply.id, { userId: user.id, day: quotaDay(now) });
}

describe('the text of a reply as the model writes it', () => {
  it('keeps what a failed attempt wrote stored and readable until the retry starts over', async () => {
    const world = aWorld();
    const job = await givenPendingReply(world);
    const failure = new LanguageModelError('busy', { retryable: true });

    await expect(
      new GenerateReply({ ...world, model: writes(['Hel', 'lo'], failure) }).handle(job),
    ).rejects.toBe(failure);

    expect(await world.messages.findById(job.replyId)).toMatchObject({ status: 'pending', content: 'Hello' });
  });

  it('completes the reply even when its event log is down, and logs the lost events', async () => {
    const world = aWorld();
    const job = await givenPendingReply(world);
    const down = new Error('redis down');
    const events: ReplyEventLog = Object.assign(Object.create(world.events), {
      append: () => Promise.reject(down),
    });

    await new GenerateReply({ ...world, events, model: writes(['Hi']) }).handle(job);

    expect(await world.messages.findById(job.replyId)).toMatchObject({ status: 'completed', content: 'Hi' });
    expect(world.logger.entries).toContainEqual(
      expect.objectContaining({ level: 'warn', fields: { err: down, replyId: job.replyId } }),
    );
  });

  it('logs a progress save that failed, and still lets the attempt failure through', async () => {
    const world = aWorld();
    const job = await givenPendingReply(world);
    const down = new Error('database down');
    const messages: MessageRepository = Object.assign(Object.create(world.messages), {
      saveProgress: () => Promise.reject(down),
    });
    const failure = new LanguageModelError('busy', { retryable: true });

    await expect(
      new GenerateReply({ ...world, messages, model: writes(['Hel'], failure) }).handle(job),
    ).rejects.toBe(failure);

    expect(world.logger.entries).toContainEqual(
      expect.objectContaining({ level: 'warn', fields: { err: down, replyId: job.replyId } }),
    );
  });
});

describe('ReplyProgress', () => {
  function progressAt(clock: { ms: number }) {
    const saves: string[] = [];
    const events: ReplyEventLog = {
      append: async () => {},
      read: async () => [],
      follow: async function* () {},
    };
    const progress = new ReplyProgress(
      {
        events,
        save: async (_id, content) => saves.push(content),
        logger: new SilentLogger(),
        now: () => clock.ms,
      },
      'reply-1',
    );
    return { progress, saves };
  }

  it('saves the text so far once a second has passed since the last save, not before', async () => {
    const clock = { ms: 0 };
    const { progress, saves } = progressAt(clock);

    progress.add('a');
    clock.ms = SAVE_EVERY_MS - 1;
    progress.add('b');
    await progress.flush();
    expect(saves).toEqual([]);

    clock.ms = SAVE_EVERY_MS;
    progress.add('c');
    clock.ms = SAVE_EVERY_MS + 10;
    progress.add('d');
    await progress.save();
    expect(saves).toEqual(['abc', 'abcd']);
  });

  it('does not write again text a finished save already stored', async () => {
    const clock = { ms: 0 };
    const { progress, saves } = progressAt(clock);
    clock.ms = SAVE_EVERY_MS;
    progress.add('abc');
    await new Promise((resolve) => setImmediate(resolve));
    await progress.save();
    expect(saves).toEqual(['abc']);
  });
});
