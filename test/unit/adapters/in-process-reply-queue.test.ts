import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InProcessReplyQueue } from '#adapters/queue/in-process-reply-queue.ts';
import { LanguageModelError } from '#application/ports/language-model.ts';
import type { ReplyJob, ReplyJobHandler } from '#application/ports/reply-queue.ts';
import { aBuiltId, anExchange, aReplyJob } from '#test/support/builders.ts';
import { failingOnceRecordingContexts } from '#test/support/job-handlers.ts';
import { SilentLogger } from '#test/support/silent-logger.ts';

/** Records when each attempt started; each attempt runs `attempt`. */
class TimedHandler implements ReplyJobHandler {
  readonly startedAt: number[] = [];
  readonly givenUp: unknown[] = [];
  private readonly attempt: (n: number) => Promise<void>;
  private readonly failGiveUp: boolean;

  constructor(attempt: (n: number) => Promise<void>, failGiveUp = false) {
    this.attempt = attempt;
    this.failGiveUp = failGiveUp;
  }

  async handle(_job: ReplyJob): Promise<void> {
    this.startedAt.push(performance.now());
    await this.attempt(this.startedAt.length);
  }

  async giveUp(_job: ReplyJob, error: unknown): Promise<void> {
    this.givenUp.push(error);
    if (this.failGiveUp) throw new Error('database down');
  }
}

const queues: InProcessReplyQueue[] = [];

function aQueue(handler: ReplyJobHandler, backoffMs: number, logger = new SilentLogger()) {
  const queue = new InProcessReplyQueue({ handler, backoffMs, logger });
  queues.push(queue);
  return queue;
}

afterEach(async () => {
  await Promise.all(queues.splice(0).map((queue) => queue.close()));
});

describe('InProcessReplyQueue', () => {
  it("hands the send's context to the job's first attempt only: a retry reads it", async () => {
    const { handler, seen } = failingOnceRecordingContexts();
    const queue = aQueue(handler, 1);
    const { prompt, reply } = anExchange({ chatroomId: aBuiltId() });
    const context = { reply, prompt, history: [] };

    await queue.enqueue(aReplyJob(reply.id), { context });

    expect(await queue.waitForOutcome(reply.id, 5000)).toBe('completed');
    expect(seen).toEqual([context, undefined]);
  });

  it('backs off exponentially between attempts', async () => {
    const handler = new TimedHandler(async () => {
      throw new Error('flaky');
    });
    const queue = aQueue(handler, 30);
    const replyId = aBuiltId();
    await queue.enqueue(aReplyJob(replyId));
    expect(await queue.waitForOutcome(replyId, 2_000)).toBe('failed');
    const [first, second, third] = handler.startedAt as [number, number, number];
    expect(second - first).toBeGreaterThanOrEqual(29);
    expect(third - second).toBeGreaterThanOrEqual(59);
  });

  it('waits as long as the model asked when that is longer than the backoff', async () => {
    const handler = new TimedHandler(async (n) => {
      if (n === 1) throw new LanguageModelError('rate limited', { retryable: true, retryAfterMs: 150 });
    });
    const queue = aQueue(handler, 1);
    const replyId = aBuiltId();
    await queue.enqueue(aReplyJob(replyId));
    expect(await queue.waitForOutcome(replyId, 2_000)).toBe('completed');
    const [first, second] = handler.startedAt as [number, number];
    expect(second - first).toBeGreaterThanOrEqual(149);
  });

  it("caps the model's retry-after at a minute, like the BullMQ worker", async () => {
    vi.useFakeTimers({ fakeNodeBuiltins: true });
    try {
      const handler = new TimedHandler(async (n) => {
        if (n === 1) throw new LanguageModelError('quota', { retryable: true, retryAfterMs: 15 * 60_000 });
      });
      const queue = aQueue(handler, 1);
      const replyId = aBuiltId();
      await queue.enqueue(aReplyJob(replyId));
      await vi.advanceTimersByTimeAsync(10);
      expect(handler.startedAt).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(59_000);
      expect(handler.startedAt).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(handler.startedAt).toHaveLength(2);
      expect(await queue.waitForOutcome(replyId, 0)).toBe('completed');
    } finally {
      vi.useRealTimers();
    }
  });

  it('still reports the job failed when giving up fails, and logs it', async () => {
    const logger = new SilentLogger();
    const handler = new TimedHandler(async () => {
      throw new LanguageModelError('blocked', { retryable: false });
    }, true);
    const queue = aQueue(handler, 1, logger);
    const replyId = aBuiltId();
    await queue.enqueue(aReplyJob(replyId));
    expect(await queue.waitForOutcome(replyId, 2_000)).toBe('failed');
    expect(logger.messages('error')).toEqual(['could not mark the reply failed']);
  });

  it('answers timeout at once for a reply it never queued', async () => {
    const queue = aQueue(new TimedHandler(async () => {}), 1);
    const started = performance.now();
    expect(await queue.waitForOutcome(aBuiltId(), 5_000)).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('on close waits for the running attempt, drops pending retries and takes no new job', async () => {
    let finishAttempt = () => {};
    const handler = new TimedHandler(
      (n) =>
        new Promise<void>((_resolve, reject) => {
          finishAttempt = () => reject(new Error(`attempt ${n} failed`));
        }),
    );
    const queue = aQueue(handler, 10);
    await queue.enqueue(aReplyJob(aBuiltId()));
    await sleep(20);

    let closed = false;
    const closing = queue.close().then(() => {
      closed = true;
    });
    await sleep(20);
    expect(closed).toBe(false);
    finishAttempt();
    await closing;
    await sleep(50);
    expect(handler.startedAt).toHaveLength(1);
    expect(handler.givenUp).toEqual([]);
    await expect(queue.enqueue(aReplyJob(aBuiltId()))).rejects.toThrow('closed');
  });
});
