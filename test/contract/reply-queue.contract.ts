import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { LanguageModelError } from '#application/ports/language-model.ts';
import type { ReplyJob, ReplyJobHandler, ReplyQueue } from '#application/ports/reply-queue.ts';
import { aBuiltId, aReplyJob } from '#test/support/builders.ts';
import type { MakeReplyQueue, ReplyQueueFixture } from './fixtures.ts';

const BACKOFF_MS = 20;
const WAIT_MS = 5_000;

type Behaviour = (job: ReplyJob, attempt: number) => Promise<void>;

/** A handler whose every attempt follows a script; it records what the queue made it do. */
class ScriptedHandler implements ReplyJobHandler {
  readonly attempts = new Map<string, number>();
  readonly finished: string[] = [];
  readonly givenUp: { job: ReplyJob; error: unknown }[] = [];
  private readonly behaviour: Behaviour;

  constructor(behaviour: Behaviour) {
    this.behaviour = behaviour;
  }

  async handle(job: ReplyJob): Promise<void> {
    const attempt = (this.attempts.get(job.replyId) ?? 0) + 1;
    this.attempts.set(job.replyId, attempt);
    await this.behaviour(job, attempt);
    this.finished.push(job.replyId);
  }

  async giveUp(job: ReplyJob, error: unknown): Promise<void> {
    this.givenUp.push({ job, error });
  }
}

/** A promise the test opens when it wants a slow handler to finish. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

async function eventually(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

/** The ReplyQueue port: asynchronous jobs, 3 attempts with backoff, one giveUp, outcomes a sender can wait for. */
export function replyQueueContract(name: string, make: MakeReplyQueue): void {
  describe(`${name}: reply queue contract`, () => {
    const fixtures: ReplyQueueFixture[] = [];

    afterEach(async () => {
      await Promise.all(fixtures.splice(0).map((fixture) => fixture.close()));
    });

    async function start(behaviour: Behaviour): Promise<{ queue: ReplyQueue; handler: ScriptedHandler }> {
      const handler = new ScriptedHandler(behaviour);
      const fixture = await make({ handler, backoffMs: BACKOFF_MS });
      fixtures.push(fixture);
      return { queue: fixture.queue, handler };
    }

    it('runs a job and reports it completed', async () => {
      const { queue, handler } = await start(async () => {});
      const replyId = aBuiltId();
      await queue.enqueue(aReplyJob(replyId));
      expect(await queue.waitForOutcome(replyId, WAIT_MS)).toBe('completed');
      expect(handler.finished).toEqual([replyId]);
      expect(handler.givenUp).toEqual([]);
    });

    it('retries a failing job and completes it on the third attempt', async () => {
      const { queue, handler } = await start(async (_job, attempt) => {
        if (attempt < 3) throw new Error(`attempt ${attempt} failed`);
      });
      const replyId = aBuiltId();
      await queue.enqueue(aReplyJob(replyId));
      expect(await queue.waitForOutcome(replyId, WAIT_MS)).toBe('completed');
      expect(handler.attempts.get(replyId)).toBe(3);
      expect(handler.givenUp).toEqual([]);
    });

    it('gives up once after three failed attempts, with the job as enqueued, before reporting it failed', async () => {
      const failure = new Error('model down');
      const { queue, handler } = await start(async () => {
        throw failure;
      });
      const job = aReplyJob();
      await queue.enqueue(job);
      expect(await queue.waitForOutcome(job.replyId, WAIT_MS)).toBe('failed');
      expect(handler.givenUp).toEqual([{ job, error: failure }]);
      await sleep(BACKOFF_MS * 8);
      expect(handler.attempts.get(job.replyId)).toBe(3);
      expect(handler.givenUp).toHaveLength(1);
    });

    it('gives up at once on an error retrying cannot fix', async () => {
      const refusal = new LanguageModelError('The prompt was blocked', { retryable: false });
      const { queue, handler } = await start(async () => {
        throw refusal;
      });
      const replyId = aBuiltId();
      await queue.enqueue(aReplyJob(replyId));
      expect(await queue.waitForOutcome(replyId, WAIT_MS)).toBe('failed');
      await sleep(BACKOFF_MS * 4);
      expect(handler.attempts.get(replyId)).toBe(1);
      expect(handler.givenUp).toHaveLength(1);
      expect(handler.givenUp[0]?.error).toBeInstanceOf(LanguageModelError);
    });

    it('runs a job enqueued twice under one reply id once', async () => {
      const slow = gate();
      const { queue, handler } = await start(() => slow.opened);
      const replyId = aBuiltId();
      await queue.enqueue(aReplyJob(replyId));
      await queue.enqueue(aReplyJob(replyId));
      slow.open();
      expect(await queue.waitForOutcome(replyId, WAIT_MS)).toBe('completed');
      await sleep(100);
      expect(handler.attempts.get(replyId)).toBe(1);
      expect(handler.finished).toEqual([replyId]);
    });

    it('ignores a finished job enqueued again, and runs it again when asked to replace it', async () => {
      const done = aBuiltId();
      const failed = aBuiltId();
      let refuse = true;
      const { queue, handler } = await start(async (job) => {
        if (job.replyId === failed && refuse) throw new LanguageModelError('blocked', { retryable: false });
      });
      await queue.enqueue(aReplyJob(done));
      await queue.enqueue(aReplyJob(failed));
      expect(await queue.waitForOutcome(done, WAIT_MS)).toBe('completed');
      expect(await queue.waitForOutcome(failed, WAIT_MS)).toBe('failed');

      await queue.enqueue(aReplyJob(done));
      await queue.enqueue(aReplyJob(failed));
      await sleep(200);
      expect([handler.attempts.get(done), handler.attempts.get(failed)]).toEqual([1, 1]);

      refuse = false;
      await queue.enqueue(aReplyJob(done), { replaceFinished: true });
      await queue.enqueue(aReplyJob(failed), { replaceFinished: true });
      await eventually(() => handler.finished.filter((id) => id === done || id === failed).length === 3);
      expect([handler.attempts.get(done), handler.attempts.get(failed)]).toEqual([2, 2]);
      expect(await queue.waitForOutcome(failed, WAIT_MS)).toBe('completed');
      expect(await queue.waitForOutcome(done, WAIT_MS)).toBe('completed');
      expect(handler.givenUp.map((entry) => entry.job.replyId)).toEqual([failed]);
    });

    it('does not duplicate a job still running when asked to replace a finished one', async () => {
      const slow = gate();
      const { queue, handler } = await start(() => slow.opened);
      const replyId = aBuiltId();
      await queue.enqueue(aReplyJob(replyId));
      await eventually(() => handler.attempts.get(replyId) === 1);
      await queue.enqueue(aReplyJob(replyId), { replaceFinished: true });
      slow.open();
      expect(await queue.waitForOutcome(replyId, WAIT_MS)).toBe('completed');
      await sleep(100);
      expect(handler.attempts.get(replyId)).toBe(1);
    });

    it('reports a timeout while the job is still running, and the outcome later', async () => {
      const slow = gate();
      const { queue } = await start(() => slow.opened);
      const replyId = aBuiltId();
      await queue.enqueue(aReplyJob(replyId));
      expect(await queue.waitForOutcome(replyId, 100)).toBe('timeout');
      slow.open();
      expect(await queue.waitForOutcome(replyId, WAIT_MS)).toBe('completed');
    });

    it('returns from enqueue before the job has run', async () => {
      const slow = gate();
      const { queue, handler } = await start(() => slow.opened);
      const replyId = aBuiltId();
      await queue.enqueue(aReplyJob(replyId));
      expect(handler.finished).toEqual([]);
      slow.open();
      await eventually(() => handler.finished.includes(replyId));
    });

    it('reports the outcome of a job that ended before anyone waited', async () => {
      const done = aBuiltId();
      const failing = aBuiltId();
      const { queue, handler } = await start(async (job) => {
        if (job.replyId === failing) throw new LanguageModelError('blocked', { retryable: false });
      });
      await queue.enqueue(aReplyJob(done));
      await queue.enqueue(aReplyJob(failing));
      await eventually(() => handler.finished.includes(done) && handler.givenUp.length === 1);
      await sleep(100);
      expect(await queue.waitForOutcome(done, WAIT_MS)).toBe('completed');
      expect(await queue.waitForOutcome(failing, WAIT_MS)).toBe('failed');
    });
  });
}
