import { describe, expect, it } from 'vitest';
import { GenerateReply } from '#application/messaging/generate-reply.ts';
import { COALESCE_MS, ReplyProgress, SAVE_EVERY_MS } from '#application/messaging/reply-progress.ts';
import {
  type LanguageModel,
  LanguageModelError,
  type ModelStreamPart,
} from '#application/ports/language-model.ts';
import type { MessageRepository } from '#application/ports/message-repository.ts';
import { isEnd, type ReplyEvent, type ReplyEventLog } from '#application/ports/reply-events.ts';
import { quotaDay } from '#domain/quota/daily-quota.ts';
import { aChatroom, anExchange, aReplyJob } from '#test/support/builders.ts';
import { SilentLogger } from '#test/support/silent-logger.ts';
import { aWorld, givenUser, type World } from '#test/support/world.ts';

/** A model that streams exactly `streamed`. */
function parts(streamed: ModelStreamPart[]): LanguageModel {
  return {
    async *stream(): AsyncIterable<ModelStreamPart> {
      yield* streamed;
    },
  };
}

/** A model that writes `parts`, then (when given) fails with `failure`. */
function writes(parts: string[], failure?: Error): LanguageModel {
  return {
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

  it.each([
    ['the text', (events: ReplyEvent[]) => !events.some(isEnd)],
    ['the end', (events: ReplyEvent[]) => events.some(isEnd)],
  ])('completes the reply even when the event log loses %s, and logs it', async (_case, lost) => {
    const world = aWorld();
    const job = await givenPendingReply(world);
    const down = new Error('redis down');
    const events: ReplyEventLog = Object.assign(Object.create(world.events), {
      append: (replyId: string, appended: ReplyEvent[]) =>
        lost(appended) ? Promise.reject(down) : world.events.append(replyId, appended),
    });

    await new GenerateReply({ ...world, events, model: writes(['Hi']) }).handle(job);

    expect(await world.messages.findById(job.replyId)).toMatchObject({ status: 'completed', content: 'Hi' });
    expect(world.logger.entries).not.toEqual([]);
    for (const entry of world.logger.entries.filter((logged) => logged.level !== 'info')) {
      expect(entry).toMatchObject({ level: 'warn', fields: { err: down, replyId: job.replyId } });
    }
  });

  it('records the finish the model reported, and a plain stop when it reported none', async () => {
    const world = aWorld();
    const cutShort = await givenPendingReply(world);
    const tokenUsage = { promptTokens: 1, candidateTokens: 2, totalTokens: 3 };
    const length: ModelStreamPart = { type: 'finish', finishReason: 'length', tokenUsage };
    await new GenerateReply({ ...world, model: parts([{ type: 'text', text: 'Lo' }, length]) }).handle(
      cutShort,
    );
    expect((await world.events.read(cutShort.replyId)).at(-1)?.event).toEqual({
      type: 'finish',
      finishReason: 'length',
      tokens: tokenUsage,
    });

    const unreported = await givenPendingReply(world);
    await new GenerateReply({ ...world, model: parts([{ type: 'text', text: 'Hi' }]) }).handle(unreported);
    expect((await world.events.read(unreported.replyId)).at(-1)?.event).toEqual({
      type: 'finish',
      finishReason: 'stop',
      tokens: null,
    });
    expect(await world.messages.findById(unreported.replyId)).toMatchObject({
      status: 'completed',
      content: 'Hi',
    });
  });

  it('counts a completed reply against the quota even when the model answered nothing', async () => {
    const world = aWorld();
    const job = await givenPendingReply(world);
    await world.usage.take(job.userId, job.day, null);

    await new GenerateReply({ ...world, model: writes([]) }).handle(job);

    expect(await world.messages.findById(job.replyId)).toMatchObject({ status: 'completed', content: '' });
    expect(await world.usage.used(job.userId, job.day)).toBe(1);
  });

  it('puts no empty text in the event log when the model pauses before it finishes', async () => {
    const world = aWorld();
    const job = await givenPendingReply(world);
    const pausing: LanguageModel = {
      async *stream(): AsyncIterable<ModelStreamPart> {
        yield { type: 'text', text: 'Hi' };
        yield { type: 'text', text: '' };
        await new Promise((resolve) => setTimeout(resolve, 4 * COALESCE_MS));
        yield { type: 'finish', finishReason: 'stop', tokenUsage: null };
      },
    };

    await new GenerateReply({ ...world, model: pausing }).handle(job);

    expect((await world.events.read(job.replyId)).map(({ event }) => event)).toEqual([
      { type: 'attempt' },
      { type: 'delta', text: 'Hi' },
      { type: 'finish', finishReason: 'stop', tokens: null },
    ]);
  });

  it('writes a reply the model gives at once to the event log in one append: the attempt, the text and the end', async () => {
    const world = aWorld();
    const job = await givenPendingReply(world);
    const { events, appends } = countedAppends(world.events);

    const stored = await new GenerateReply({ ...world, events, model: writes(['Hel', 'lo', '!']) }).handle(
      job,
    );

    expect(appends).toEqual([
      [
        { type: 'attempt' },
        { type: 'delta', text: 'Hello!' },
        { type: 'finish', finishReason: 'stop', tokens: null },
      ],
    ]);
    // The stored reply is handed back as stored: a send waiting in this process needs no read back.
    expect(stored).toEqual(await world.messages.findById(job.replyId));
    expect(stored).toMatchObject({ status: 'completed', content: 'Hello!' });
  });

  it('writes the first text of a reply that comes in parts as soon as its part is in, and the rest with the end', async () => {
    const world = aWorld();
    const job = await givenPendingReply(world);
    const { events, appends } = countedAppends(world.events);
    // Each part in a turn of the event loop of its own, as a streamed HTTP answer's chunks come.
    const model: LanguageModel = {
      async *stream(): AsyncIterable<ModelStreamPart> {
        for (const text of ['Hel', 'lo', '!']) {
          await new Promise((resolve) => setImmediate(resolve));
          yield { type: 'text', text };
        }
        yield { type: 'finish', finishReason: 'stop', tokenUsage: null };
      },
    };

    await new GenerateReply({ ...world, events, model }).handle(job);

    expect(appends).toEqual([
      [{ type: 'attempt' }, { type: 'delta', text: 'Hel' }],
      [
        { type: 'delta', text: 'lo!' },
        { type: 'finish', finishReason: 'stop', tokens: null },
      ],
    ]);
  });

  it('still writes the attempt to the event log when the attempt fails before any text', async () => {
    const world = aWorld();
    const job = await givenPendingReply(world);
    const failure = new LanguageModelError('busy', { retryable: true });

    await expect(new GenerateReply({ ...world, model: writes([], failure) }).handle(job)).rejects.toBe(
      failure,
    );

    expect((await world.events.read(job.replyId)).map(({ event }) => event)).toEqual([{ type: 'attempt' }]);
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

/** The event log, recording what each append wrote. */
function countedAppends(log: ReplyEventLog): { events: ReplyEventLog; appends: ReplyEvent[][] } {
  const appends: ReplyEvent[][] = [];
  const events: ReplyEventLog = Object.assign(Object.create(log), {
    append: (replyId: string, appended: ReplyEvent[]) => {
      appends.push(appended);
      return log.append(replyId, appended);
    },
  });
  return { events, appends };
}
