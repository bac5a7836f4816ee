import { describe, expect, it } from 'vitest';
import { NoMetrics } from '#adapters/metrics/no-metrics.ts';
import { GenerateReply } from '#application/messaging/generate-reply.ts';
import { LanguageModelError } from '#application/ports/language-model.ts';
import type { Metrics } from '#application/ports/metrics.ts';
import type { TokenUsage } from '#domain/chatroom/message.ts';
import { quotaDay } from '#domain/quota/daily-quota.ts';
import type { Tier } from '#domain/subscription/subscription.ts';
import { aChatroom, anExchange, aReplyJob, aSubscription } from '#test/support/builders.ts';
import { ScriptedLanguageModel } from '#test/support/model-doubles.ts';
import { aWorld, givenUser } from '#test/support/world.ts';

/** The Metrics port, remembering what a reply job reported (the rest dropped, as NoMetrics does). */
function recordingMetrics() {
  const recorded = {
    firstText: [] as number[],
    ended: [] as [string, number][],
    tokens: [] as [Tier, TokenUsage][],
    failures: [] as { kind: string; retryable: boolean }[],
  };
  const metrics: Metrics = Object.assign(new NoMetrics(), {
    replyFirstText: (seconds: number) => recorded.firstText.push(seconds),
    replyEnded: (status: string, seconds: number) => recorded.ended.push([status, seconds]),
    tokensUsed: (tier: Tier, tokens: TokenUsage) => recorded.tokens.push([tier, tokens]),
    modelFailed: (failure: { kind: string; retryable: boolean }) => recorded.failures.push(failure),
  });
  return { metrics, recorded };
}

const USAGE = { promptTokens: 3, candidateTokens: 4, totalTokens: 7 };

/** A pending reply created now, a model that takes `modelMs` of the world's clock and answers in three words. */
async function setUp(options: { tier?: Tier; subscribed?: boolean; modelMs?: number } = {}) {
  const world = aWorld();
  const { metrics, recorded } = recordingMetrics();
  const model = new ScriptedLanguageModel();
  model.answerWith(() => {
    world.clock.advance(options.modelMs ?? 0);
    return { text: 'one two three', tokenUsage: USAGE };
  });
  const user = await givenUser(world);
  if (options.subscribed)
    await world.subscriptions.save(aSubscription({ userId: user.id, status: 'active' }));
  const chatroom = aChatroom({ ownerId: user.id });
  await world.chatrooms.create(chatroom);
  const now = world.clock.now();
  const { prompt, reply } = anExchange({ chatroomId: chatroom.id, now });
  await world.messages.addExchange(prompt, reply);
  const job = aReplyJob(reply.id, {
    userId: user.id,
    day: quotaDay(now),
    ...(options.tier ? { tier: options.tier } : {}),
  });
  return { world, model, metrics: recorded, job, handler: new GenerateReply({ ...world, model, metrics }) };
}

describe('GenerateReply: what it reports to the metrics', () => {
  it('times the reply from its creation to its end, in seconds, and its first text once', async () => {
    const { metrics, job, handler } = await setUp({ modelMs: 2_500 });
    await handler.handle(job);
    expect(metrics.ended).toEqual([['completed', 2.5]]);
    expect(metrics.firstText).toHaveLength(1);
    expect(metrics.firstText[0]).toBe(2.5);
  });

  it("counts the tokens against the tier the job carries, without reading the user's subscription", async () => {
    const { metrics, job, handler } = await setUp({ tier: 'pro' });
    await handler.handle(job);
    expect(metrics.tokens).toEqual([['pro', USAGE]]);
  });

  it('reads the tier for a job that carries none (queued before jobs carried it)', async () => {
    const { metrics, job, handler } = await setUp({ subscribed: true });
    await handler.handle(job);
    expect(metrics.tokens).toEqual([['pro', USAGE]]);
  });

  it('stores the reply even when the tier cannot be read, and only the count is lost (with a warning)', async () => {
    const { world, metrics, job, handler } = await setUp();
    const down = new Error('database down');
    world.subscriptions.findByUserId = () => Promise.reject(down);
    await handler.handle(job);
    expect(metrics.tokens).toEqual([]);
    expect(await world.messages.findById(job.replyId)).toMatchObject({ status: 'completed' });
    expect(world.logger.entries).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        fields: expect.objectContaining({ err: down, replyId: job.replyId }),
      }),
    );
  });

  it('records no first text for an answer without any', async () => {
    const { world, model, metrics, job, handler } = await setUp();
    model.answerWith(() => ({ text: '', tokenUsage: null }));
    await handler.handle(job);
    expect(await world.messages.findById(job.replyId)).toMatchObject({ status: 'completed', content: '' });
    expect(metrics.firstText).toEqual([]);
  });

  it("labels a model failure with the adapter's kind, and anything else thrown as unexpected and retryable", async () => {
    const { model, metrics, job, handler } = await setUp();
    model.answerWith(() => {
      throw new LanguageModelError('busy', { retryable: true, kind: 'overloaded' });
    });
    await expect(handler.handle(job)).rejects.toBeInstanceOf(LanguageModelError);
    model.answerWith(() => {
      throw new TypeError('a bug');
    });
    await expect(handler.handle(job)).rejects.toBeInstanceOf(TypeError);
    expect(metrics.failures).toEqual([
      { kind: 'overloaded', retryable: true },
      { kind: 'unexpected', retryable: true },
    ]);
  });
});
