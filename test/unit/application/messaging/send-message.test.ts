import { afterEach, describe, expect, it } from 'vitest';
import { InProcessReplyQueue } from '#adapters/queue/in-process-reply-queue.ts';
import { GenerateReply } from '#application/messaging/generate-reply.ts';
import { SendMessage } from '#application/messaging/send-message.ts';
import { LanguageModelError } from '#application/ports/language-model.ts';
import type { EnqueueOptions, ReplyJob, ReplyQueue } from '#application/ports/reply-queue.ts';
import type { Settings } from '#application/shared/settings.ts';
import { ChatroomNotFound } from '#domain/chatroom/chatroom-errors.ts';
import { HISTORY_LENGTH, type Message } from '#domain/chatroom/message.ts';
import { QuotaExceeded, quotaDay } from '#domain/quota/daily-quota.ts';
import { aChatroom, aSubscription } from '#test/support/builders.ts';
import { ScriptedLanguageModel } from '#test/support/model-doubles.ts';
import { aWorld, givenUser, type World } from '#test/support/world.ts';

const queues: InProcessReplyQueue[] = [];

afterEach(async () => {
  await Promise.all(queues.splice(0).map((queue) => queue.close()));
});

async function setUp(
  settings: Partial<Settings> = {},
  options: { queue?: (world: World) => ReplyQueue } = {},
) {
  const world = aWorld(settings);
  const model = new ScriptedLanguageModel();
  const handler = new GenerateReply({ ...world, model });
  const inProcess = new InProcessReplyQueue({ handler, backoffMs: 1, logger: world.logger });
  queues.push(inProcess);
  const queue = options.queue?.(world) ?? inProcess;
  const user = await givenUser(world);
  const chatroom = aChatroom({ ownerId: user.id });
  await world.chatrooms.create(chatroom);
  const sendMessage = new SendMessage({ ...world, queue });
  const send = (content = 'Hello', respondAsync = false) =>
    sendMessage.execute({
      userId: user.id,
      chatroomId: chatroom.id,
      content,
      mode: respondAsync ? 'async' : 'wait',
    });
  return {
    world,
    model,
    user,
    chatroom,
    send,
    used: () => world.usage.used(user.id, quotaDay(world.clock.now())),
  };
}

describe('SendMessage', () => {
  it('answers with the reply a worker of this process handed over, reads nothing back, and gives the job the tier', async () => {
    const jobs: ReplyJob[] = [];
    let handedOver: Message | undefined;
    const { world, send } = await setUp(
      {},
      {
        queue: (world) => ({
          async enqueue(job) {
            jobs.push(job);
            const reply = (await world.messages.findById(job.replyId))!;
            handedOver = reply.complete('Handed over', null)!;
          },
          waitForOutcome: async () => ({ outcome: 'completed', reply: handedOver! }),
        }),
      },
    );
    const result = await send('Hi');
    expect(result.outcome).toBe('completed');
    expect(result.reply).toBe(handedOver);
    expect(jobs).toEqual([expect.objectContaining({ tier: 'basic' })]);
    // The store still holds the pending reply: the answer did not come from a read back.
    expect(await world.messages.findById(result.reply.id)).toMatchObject({ status: 'pending' });
  });

  it("hands the job's worker the stored exchange and the history before the prompt, as the worker would read them", async () => {
    const handed: (EnqueueOptions | undefined)[] = [];
    const { world, send } = await setUp(
      {},
      {
        queue: () => ({
          async enqueue(_job, options) {
            handed.push(options);
          },
          waitForOutcome: async () => 'timeout',
        }),
      },
    );
    const first = await send('First');
    const second = await send('Second');

    expect(handed[0]?.context).toEqual({ reply: first.reply, prompt: first.message, history: [] });
    expect(handed[1]?.context).toEqual(await world.messages.replyContext(second.reply.id, HISTORY_LENGTH));
    expect(handed[1]?.context?.history.map((message) => message.content)).toEqual(['First']);
  });

  it('stores the prompt, waits for the reply and reports the quota', async () => {
    const { world, chatroom, send } = await setUp();
    const result = await send('  Hello  ');
    expect(result.outcome).toBe('completed');
    expect(result.message).toMatchObject({
      chatroomId: chatroom.id,
      role: 'user',
      content: 'Hello',
      status: 'completed',
    });
    expect(result.reply).toMatchObject({ role: 'model', status: 'completed', content: 'echo: Hello' });
    expect(result.usage).toMatchObject({
      used: 1,
      limit: 5,
      remaining: 4,
      resetsAt: new Date('2026-11-24T00:00:00.000Z'),
    });
    expect(await world.messages.findById(result.reply.id)).toEqual(result.reply);
  });

  it('answers at once with the pending reply when asked to respond asynchronously', async () => {
    const { world, send } = await setUp();
    const result = await send('Hello', true);
    expect(result.outcome).toBe('pending');
    expect(result.reply.status).toBe('pending');
    await expect.poll(async () => (await world.messages.findById(result.reply.id))?.status).toBe('completed');
  });

  it('answers with the pending reply when the wait runs out', async () => {
    const { model, send } = await setUp({ replyWaitMs: 20 });
    let release = () => {};
    model.answerWith(
      () => new Promise((resolve) => (release = () => resolve({ text: 'late', tokenUsage: null }))),
    );
    const result = await send();
    expect(result.outcome).toBe('pending');
    expect(result.reply.status).toBe('pending');
    release();
  });

  it('admits exactly the daily limit, then refuses until the next UTC midnight and stores nothing', async () => {
    const { world, chatroom, send } = await setUp();
    for (let i = 1; i <= 5; i++) expect((await send(`prompt ${i}`, true)).usage.used).toBe(i);
    const refused = await send('one too many', true).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(QuotaExceeded);
    expect(refused).toMatchObject({
      code: 'QUOTA_EXCEEDED',
      retryAfterSeconds: 14 * 3600,
      usage: { used: 5, limit: 5, remaining: 0, resetsAt: new Date('2026-11-24T00:00:00.000Z') },
    });
    expect((await world.messages.page(chatroom.id, { limit: 100 })).messages).toHaveLength(10);
  });

  it('admits exactly 5 of 10 concurrent sends by a Basic user', async () => {
    const { send, used } = await setUp();
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => send(`prompt ${i}`, true)));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(5);
    const refusals = results.filter((result) => result.status === 'rejected');
    expect(refusals.every((result) => result.reason instanceof QuotaExceeded)).toBe(true);
    expect(await used()).toBe(5);
  });

  it('starts afresh on the next UTC day', async () => {
    const { world, send } = await setUp({ quota: { basic: 1, pro: 500 } });
    await send('today', true);
    await expect(send('again today', true)).rejects.toBeInstanceOf(QuotaExceeded);
    world.clock.set('2026-11-24T00:00:00.000Z');
    await expect(send('tomorrow', true)).resolves.toMatchObject({ usage: { used: 1, limit: 1 } });
  });

  it('gives a Pro user the Pro limit, and no limit when it is 0', async () => {
    const limited = await setUp({ quota: { basic: 1, pro: 3 } });
    await limited.world.subscriptions.save(aSubscription({ userId: limited.user.id, status: 'active' }));
    expect((await limited.send('hi', true)).usage).toMatchObject({ used: 1, limit: 3, remaining: 2 });

    const unlimited = await setUp({ quota: { basic: 1, pro: 0 } });
    await unlimited.world.subscriptions.save(
      aSubscription({ userId: unlimited.user.id, status: 'trialing' }),
    );
    for (let i = 0; i < 3; i++) await unlimited.send('hi', true);
    expect((await unlimited.send('hi', true)).usage).toMatchObject({ used: 4, limit: null, remaining: null });
  });

  it('gives the prompt back when the reply fails for good', async () => {
    const { model, send, used } = await setUp();
    model.answerWith(() => {
      throw new LanguageModelError('The model refused this prompt', { retryable: false });
    });
    const result = await send();
    expect(result.reply).toMatchObject({ status: 'failed', error: 'The model refused this prompt' });
    expect(result.usage).toMatchObject({ used: 0, remaining: 5 });
    expect(await used()).toBe(0);
  });

  it('leaves no trace when the reply cannot be queued: nothing stored, nothing charged', async () => {
    const failure = new Error('queue down');
    const broken: ReplyQueue = {
      enqueue: () => Promise.reject(failure),
      waitForOutcome: async () => 'timeout',
    };
    const { world, chatroom, send, used } = await setUp({}, { queue: () => broken });
    await expect(send()).rejects.toBe(failure);
    expect((await world.messages.page(chatroom.id, { limit: 10 })).messages).toEqual([]);
    expect(await used()).toBe(0);
  });

  it('charges nothing when the storage fails after the prompt was counted, with no give-back possible', async () => {
    const { world, chatroom, send, used } = await setUp();
    const outage = new Error('connection terminated');
    world.messages.addExchange = () => Promise.reject(outage);
    world.usage.giveBack = () => Promise.reject(outage);
    await expect(send()).rejects.toBe(outage);
    expect(await used()).toBe(0);
    expect((await world.messages.page(chatroom.id, { limit: 10 })).messages).toEqual([]);
  });

  it('leaves the exchange pending and charged when neither the queue nor the discard works (the reconciler queues it)', async () => {
    const refused = new Error('queue down');
    const broken: ReplyQueue = {
      enqueue: () => Promise.reject(refused),
      waitForOutcome: async () => 'timeout',
    };
    const { world, chatroom, send, used } = await setUp({}, { queue: () => broken });
    world.usage.giveBack = () => Promise.reject(new Error('database down'));
    await expect(send()).rejects.toBe(refused);
    const [, reply] = (await world.messages.page(chatroom.id, { limit: 10 })).messages;
    expect(reply?.status).toBe('pending');
    expect(await used()).toBe(1);
  });

  it("refuses another user's chatroom and bad content without taking quota", async () => {
    const { world, send, used, user } = await setUp();
    const strangersRoom = aChatroom({ ownerId: (await givenUser(world)).id });
    await world.chatrooms.create(strangersRoom);
    const sendMessage = new SendMessage({ ...world, queue: queues[0]! });
    await expect(
      sendMessage.execute({
        userId: user.id,
        chatroomId: strangersRoom.id,
        content: 'hi',
        mode: 'async',
      }),
    ).rejects.toBeInstanceOf(ChatroomNotFound);
    await expect(send('bad \u0000 content')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await used()).toBe(0);
  });
});
