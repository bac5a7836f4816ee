import { describe, expect, it, vi } from 'vitest';
import { GenerateReply } from '#application/messaging/generate-reply.ts';
import { LanguageModelError } from '#application/ports/language-model.ts';
import { ServiceUnavailable } from '#application/shared/service-unavailable.ts';
import type { Chatroom } from '#domain/chatroom/chatroom.ts';
import type { Message } from '#domain/chatroom/message.ts';
import { quotaDay } from '#domain/quota/daily-quota.ts';
import { aChatroom, anExchange, aReplyJob } from '#test/support/builders.ts';
import { ScriptedLanguageModel } from '#test/support/model-doubles.ts';
import { aWorld, givenUser, type World } from '#test/support/world.ts';

async function setUp() {
  const world = aWorld();
  const model = new ScriptedLanguageModel();
  const user = await givenUser(world);
  const chatroom = aChatroom({ ownerId: user.id });
  await world.chatrooms.create(chatroom);
  const handler = new GenerateReply({ ...world, model });
  return { world, model, user, chatroom, handler };
}

/** Stores an exchange a second after the last one, with the job SendMessage would enqueue for its reply. */
async function exchange(
  world: World,
  chatroom: Chatroom,
  content: string,
  reply: 'completed' | 'failed' | 'pending',
) {
  world.clock.advance(1_000);
  const now = world.clock.now();
  const messages = anExchange({ chatroomId: chatroom.id, content, now });
  await world.messages.addExchange(messages.prompt, messages.reply);
  if (reply === 'completed') await world.messages.complete(messages.reply.id, `answer to ${content}`, null);
  if (reply === 'failed') await world.messages.fail(messages.reply.id, 'model down');
  const job = aReplyJob(messages.reply.id, { userId: chatroom.ownerId, day: quotaDay(now) });
  return { ...messages, job };
}

describe('GenerateReply', () => {
  it('starts from the context its send handed over, reading nothing, and still sees a stop requested before it', async () => {
    const { world, model, chatroom, handler } = await setUp();
    const earlier = await exchange(world, chatroom, 'before', 'completed');
    const current = await exchange(world, chatroom, 'now', 'pending');
    const reads = vi.spyOn(world.messages, 'replyContext');
    const history = [(await world.messages.findById(earlier.prompt.id))!];

    await handler.handle(current.job, { reply: current.reply, prompt: current.prompt, history });

    expect(reads).not.toHaveBeenCalled();
    expect(model.conversations).toEqual([
      [
        { role: 'user', text: 'before' },
        { role: 'user', text: 'now' },
      ],
    ]);
    expect(await world.messages.findById(current.reply.id)).toMatchObject({ status: 'completed' });

    const stopped = await exchange(world, chatroom, 'stop me', 'pending');
    await world.cancellation.requestStop(stopped.reply.id);
    await handler.handle(stopped.job, { reply: stopped.reply, prompt: stopped.prompt, history: [] });
    expect(model.conversations).toHaveLength(1);
    expect(await world.messages.findById(stopped.reply.id)).toMatchObject({ status: 'stopped' });
  });

  it('asks the model with the last 20 completed messages before the prompt, oldest first, then the prompt', async () => {
    const { world, model, chatroom, handler } = await setUp();
    const earlier: Message[] = [];
    for (let i = 0; i < 12; i++) {
      const { prompt, reply } = await exchange(world, chatroom, `q${i}`, i === 10 ? 'failed' : 'completed');
      earlier.push(prompt, ...(i === 10 ? [] : [{ ...reply, content: `answer to q${i}` } as Message]));
    }
    const current = await exchange(world, chatroom, 'now', 'pending');
    await exchange(world, chatroom, 'later', 'completed');

    await handler.handle(current.job);

    const [conversation] = model.conversations;
    const expected = [...earlier.slice(-20), current.prompt].map((message) => ({
      role: message.role,
      text: message.content,
    }));
    expect(conversation).toEqual(expected);
    expect(conversation).toHaveLength(21);
  });

  it('writes the answer with its token usage onto the pending reply', async () => {
    const { world, model, chatroom, handler } = await setUp();
    const tokenUsage = { promptTokens: 3, candidateTokens: 4, totalTokens: 7 };
    model.answerWith(() => ({ text: 'Hi there', tokenUsage }));
    const { reply, job } = await exchange(world, chatroom, 'Hello', 'pending');
    await handler.handle(job);
    expect(await world.messages.findById(reply.id)).toMatchObject({
      status: 'completed',
      content: 'Hi there',
      tokenUsage,
    });
  });

  it('writes the reply once when the job runs twice', async () => {
    const { world, model, chatroom, handler } = await setUp();
    model.answerWith((_conversation, call) => ({ text: `answer ${call}`, tokenUsage: null }));
    const { reply, job } = await exchange(world, chatroom, 'Hello', 'pending');
    await handler.handle(job);
    await handler.handle(job);
    expect(model.conversations).toHaveLength(1);
    expect((await world.messages.findById(reply.id))?.content).toBe('answer 1');

    const parallel = await exchange(world, chatroom, 'Again', 'pending');
    await Promise.all([handler.handle(parallel.job), handler.handle(parallel.job)]);
    expect(await world.messages.findById(parallel.reply.id)).toMatchObject({ status: 'completed' });
  });

  it('lets a model failure through so the queue can retry it', async () => {
    const { world, model, chatroom, handler } = await setUp();
    const failure = new LanguageModelError('busy', { retryable: true });
    model.answerWith(() => {
      throw failure;
    });
    const { reply, job } = await exchange(world, chatroom, 'Hello', 'pending');
    await expect(handler.handle(job)).rejects.toBe(failure);
    expect((await world.messages.findById(reply.id))?.status).toBe('pending');
  });

  it('on giving up marks the reply failed with a safe message and gives the prompt back once', async () => {
    const { world, user, chatroom, handler } = await setUp();
    const day = quotaDay(world.clock.now());
    await world.usage.take(user.id, day, null);
    await world.usage.take(user.id, day, null);
    const { reply, job } = await exchange(world, chatroom, 'Hello', 'pending');
    const failure = new LanguageModelError('The model is overloaded', { retryable: true });

    await handler.giveUp(job, failure);
    await handler.giveUp(job, failure);

    expect(await world.messages.findById(reply.id)).toMatchObject({
      status: 'failed',
      error: 'The model is overloaded',
    });
    expect(await world.usage.used(user.id, day)).toBe(1);
  });

  it('leaves the reply pending when its prompt cannot be given back, so that ending it can be tried again', async () => {
    const { world, user, chatroom, handler } = await setUp();
    const day = quotaDay(world.clock.now());
    await world.usage.take(user.id, day, null);
    const { reply, job } = await exchange(world, chatroom, 'Hello', 'pending');
    const outage = new Error('connection terminated');
    world.usage.giveBack = () => Promise.reject(outage);

    await expect(handler.giveUp(job, new Error('model down'))).rejects.toBe(outage);

    expect((await world.messages.findById(reply.id))?.status).toBe('pending');
    expect(await world.usage.used(user.id, day)).toBe(1);
  });

  it('never shows an internal error message to the user', async () => {
    const { world, chatroom, handler } = await setUp();
    const { reply, job } = await exchange(world, chatroom, 'Hello', 'pending');
    await handler.giveUp(job, new Error('ECONNREFUSED 10.0.0.7:5432'));
    const failed = await world.messages.findById(reply.id);
    expect(failed?.error).toBe('The model is unavailable right now');
  });

  it('gives the prompt back to the day the job names (the day it was sent), even after midnight', async () => {
    const { world, user, chatroom, handler } = await setUp();
    world.clock.set('2026-11-23T23:59:58.000Z');
    await world.usage.take(user.id, '2026-11-23', 5);
    const { job } = await exchange(world, chatroom, 'Hello', 'pending');
    world.clock.set('2026-11-24T00:00:30.000Z');
    await handler.giveUp(job, new Error('timeout'));
    expect(await world.usage.used(user.id, '2026-11-23')).toBe(0);
  });

  it('does nothing for a reply whose chatroom was deleted', async () => {
    const { world, model, user, chatroom, handler } = await setUp();
    const { job } = await exchange(world, chatroom, 'Hello', 'pending');
    await world.chatrooms.delete(chatroom.id, user.id);
    await handler.handle(job);
    expect(model.conversations).toHaveLength(0);
  });

  it.each([
    ['database', 'pending', 1],
    ['redis', 'pending', 1],
    ['queue', 'pending', 1],
    ['model', 'failed', 0],
  ] as const)(
    'on giving up after a %s outage, leaves the reply %s (prompts counted: %d)',
    async (service, status, used) => {
      const { world, user, chatroom, handler } = await setUp();
      const day = quotaDay(world.clock.now());
      await world.usage.take(user.id, day, null);
      const { reply, job } = await exchange(world, chatroom, 'Hello', 'pending');
      const outage = new ServiceUnavailable(service, `${service} is unreachable`);

      await handler.giveUp(job, outage);

      // Its own services' outages: ReconcileReplies queues the reply again once they are back.
      expect((await world.messages.findById(reply.id))?.status).toBe(status);
      expect(await world.usage.used(user.id, day)).toBe(used);
      const warning = world.logger.entries.find((entry) => entry.level === 'warn');
      expect(warning).toMatchObject({
        message:
          status === 'pending' ? 'reply left pending until its services are back' : 'reply failed for good',
        fields: { err: outage, replyId: reply.id },
      });
    },
  );

  it('resolves with the stored reply only in the run that completed it', async () => {
    const { world, chatroom, handler } = await setUp();
    const { reply, job } = await exchange(world, chatroom, 'Hello', 'pending');

    const outcomes = await Promise.all([handler.handle(job), handler.handle(job)]);

    const completed = outcomes.filter((outcome) => outcome !== undefined);
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatchObject({ id: reply.id, status: 'completed' });
  });

  it('hands the reply over as soon as it is stored, before its end event is appended, and only in the run that ended it', async () => {
    const { world, chatroom, handler } = await setUp();
    const { reply, job } = await exchange(world, chatroom, 'Hello', 'pending');
    const order: string[] = [];
    const complete = world.messages.complete.bind(world.messages);
    world.messages.complete = async (...args) => {
      const ended = await complete(...args);
      if (ended) order.push('stored');
      return ended;
    };
    const append = world.events.append.bind(world.events);
    world.events.append = async (replyId, events) => {
      if (events.some((event) => event.type === 'finish')) order.push('end event appended');
      return append(replyId, events);
    };
    const handed: Message[] = [];
    const handOver = (stored: Message) => {
      handed.push(stored);
      order.push('handed over');
    };

    const outcomes = await Promise.all([
      handler.handle(job, undefined, handOver),
      handler.handle(job, undefined, handOver),
    ]);

    expect(order).toEqual(['stored', 'handed over', 'end event appended']);
    expect(handed).toEqual([
      expect.objectContaining({ id: reply.id, status: 'completed', content: 'echo: Hello' }),
    ]);
    expect(outcomes.filter((outcome) => outcome !== undefined)).toEqual(handed);
  });

  /** Counts the watches for a stop that are open. */
  function countWatches(world: World): { open: number } {
    const watches = { open: 0 };
    const watch = world.cancellation.watch.bind(world.cancellation);
    world.cancellation.watch = async (replyId, onStop) => {
      watches.open += 1;
      const unwatch = await watch(replyId, onStop);
      return () => {
        watches.open -= 1;
        unwatch();
      };
    };
    return watches;
  }

  it('releases its watch for a stop request once the job is over', async () => {
    const { world, chatroom, handler } = await setUp();
    const { reply, job } = await exchange(world, chatroom, 'Hello', 'pending');
    const watches = countWatches(world);

    await handler.handle(job);

    expect((await world.messages.findById(reply.id))?.status).toBe('completed');
    expect(watches.open).toBe(0);
  });

  it('releases its watch when the reply has already ended, or cannot be read', async () => {
    const { world, chatroom, handler } = await setUp();
    const watches = countWatches(world);
    const ended = await exchange(world, chatroom, 'Hello', 'completed');
    expect(await handler.handle(ended.job)).toBeUndefined();
    expect(watches.open).toBe(0);

    const pending = await exchange(world, chatroom, 'Again', 'pending');
    const outage = new ServiceUnavailable('database', 'database is unreachable');
    world.messages.replyContext = async () => {
      throw outage;
    };
    await expect(handler.handle(pending.job)).rejects.toBe(outage);
    expect(watches.open).toBe(0);
    expect((await world.messages.findById(pending.reply.id))?.status).toBe('pending');
  });

  it('tags its log lines with the request id of the job, and with none when the job has none', async () => {
    const { world, chatroom, handler } = await setUp();
    const tagged = await exchange(world, chatroom, 'Hello', 'pending');
    await handler.handle({ ...tagged.job, requestId: 'req-42' });
    const untagged = await exchange(world, chatroom, 'Again', 'pending');
    const { requestId: _none, ...withoutRequestId } = untagged.job;
    await handler.handle(withoutRequestId);

    const ended = world.logger.entries.filter((entry) => entry.message === 'reply ended');
    expect(ended.map((entry) => entry.fields.reqId)).toEqual(['req-42', undefined]);
    expect('reqId' in ended[1]!.fields).toBe(false);
  });
});
