import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { isRetryable } from '#application/ports/language-model.ts';
import type { Logger } from '#application/ports/logger.ts';
import type { ReplyContext } from '#application/ports/message-repository.ts';
import type { Metrics } from '#application/ports/metrics.ts';
import {
  type EnqueueOptions,
  jobLogFields,
  REPLY_ATTEMPTS,
  REPLY_BACKOFF_MS,
  type ReplyJob,
  type ReplyJobHandler,
  type ReplyOutcome,
  type ReplyQueue,
} from '#application/ports/reply-queue.ts';
import type { MessageId } from '#domain/shared/ids.ts';
import { NoMetrics } from '../metrics/no-metrics.ts';
import type { CountsReplyJobs, ReplyJobCounts } from './reply-job-counts.ts';
import { retryDelay } from './retry-delay.ts';

type FinalOutcome = Exclude<ReplyOutcome, 'timeout'>;

interface TrackedJob {
  outcome: FinalOutcome | null;
  settled: Promise<FinalOutcome>;
  settle(outcome: FinalOutcome): void;
}

/** How many ended jobs are remembered (for dedupe and late waiters), like a bounded BullMQ history. */
const RETAINED_JOBS = 1000;

export interface InProcessReplyQueueOptions {
  handler: ReplyJobHandler;
  attempts?: number;
  backoffMs?: number;
  logger: Logger;
  /** Counts retries and finished jobs. */
  metrics?: Metrics;
}

/**
 * The offline queue: jobs run in this process after enqueue returns, with the real queue's retry policy
 * (exponential backoff, no retry for errors retrying cannot fix, one giveUp at the end).
 */
export class InProcessReplyQueue implements ReplyQueue, CountsReplyJobs {
  private readonly handler: ReplyJobHandler;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly logger: Logger;
  private readonly metrics: Metrics;
  private readonly counts: ReplyJobCounts = { waiting: 0, delayed: 0, active: 0 };
  private readonly jobs = new Map<MessageId, TrackedJob>();
  private readonly ended: MessageId[] = [];
  private readonly running = new Set<Promise<void>>();
  private readonly closing = new AbortController();

  constructor(options: InProcessReplyQueueOptions) {
    this.handler = options.handler;
    this.attempts = options.attempts ?? REPLY_ATTEMPTS;
    this.backoffMs = options.backoffMs ?? REPLY_BACKOFF_MS;
    this.logger = options.logger;
    this.metrics = options.metrics ?? new NoMetrics();
  }

  async enqueue(job: ReplyJob, options: EnqueueOptions = {}): Promise<void> {
    if (this.closing.signal.aborted) throw new Error('The reply queue is closed');
    const known = this.jobs.get(job.replyId);
    if (known && !(options.replaceFinished && known.outcome)) return;
    if (known) this.forget(job.replyId);
    const { promise, resolve } = Promise.withResolvers<FinalOutcome>();
    const tracked: TrackedJob = {
      outcome: null,
      settled: promise,
      settle: (outcome) => {
        tracked.outcome = outcome;
        resolve(outcome);
        this.remember(job.replyId);
      },
    };
    this.jobs.set(job.replyId, tracked);
    const run = this.run(job, tracked, options.context);
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }

  async waitForOutcome(replyId: MessageId, timeoutMs: number): Promise<ReplyOutcome> {
    const tracked = this.jobs.get(replyId);
    if (!tracked) return 'timeout';
    if (tracked.outcome) return tracked.outcome;
    const timer = new AbortController();
    const timedOut = sleep(timeoutMs, 'timeout' as const, { signal: timer.signal }).catch(
      () => 'timeout' as const,
    );
    try {
      return await Promise.race([tracked.settled, timedOut]);
    } finally {
      timer.abort();
    }
  }

  async jobCounts(): Promise<ReplyJobCounts> {
    return { ...this.counts };
  }

  /** Takes no new job, drops pending retries, and waits for the attempts already running. */
  async close(): Promise<void> {
    this.closing.abort();
    await Promise.allSettled([...this.running]);
  }

  /** `context`: handed to the first attempt (EnqueueOptions.context); later ones read it. */
  private async run(job: ReplyJob, tracked: TrackedJob, context: ReplyContext | undefined): Promise<void> {
    await this.counted('waiting', nextTurn());
    for (let attempt = 1; !this.closing.signal.aborted; attempt++) {
      const failure = await this.counted('active', this.attempt(job, attempt === 1 ? context : undefined));
      if (!failure) {
        this.finish(tracked, 'completed');
        return;
      }
      const { error } = failure;
      if (attempt >= this.attempts || !isRetryable(error)) {
        await this.counted('active', this.giveUp(job, error));
        this.finish(tracked, 'failed');
        return;
      }
      this.logger.warn({ err: error, ...jobLogFields(job), attempt }, 'reply attempt failed; retrying');
      this.metrics.replyRetried();
      const delay = retryDelay(attempt, this.backoffMs, error);
      const waited = await this.counted(
        'delayed',
        sleep(delay, true, { signal: this.closing.signal }).catch(() => false),
      );
      if (!waited) return;
    }
  }

  /** One run of the handler: null when it succeeded, else what it threw. */
  private async attempt(job: ReplyJob, context?: ReplyContext): Promise<{ error: unknown } | null> {
    try {
      await this.handler.handle(job, context);
      return null;
    } catch (error) {
      return { error };
    }
  }

  /** Counts a job in `state` while `work` runs. */
  private async counted<T>(state: keyof ReplyJobCounts, work: Promise<T>): Promise<T> {
    this.counts[state] += 1;
    try {
      return await work;
    } finally {
      this.counts[state] -= 1;
    }
  }

  private finish(tracked: TrackedJob, outcome: FinalOutcome): void {
    tracked.settle(outcome);
    this.metrics.replyJobFinished(outcome);
  }

  private async giveUp(job: ReplyJob, error: unknown): Promise<void> {
    try {
      await this.handler.giveUp(job, error);
    } catch (giveUpError) {
      this.logger.error({ err: giveUpError, ...jobLogFields(job) }, 'could not mark the reply failed');
    }
  }

  private remember(replyId: MessageId): void {
    this.ended.push(replyId);
    if (this.ended.length > RETAINED_JOBS) this.jobs.delete(this.ended.shift()!);
  }

  /** Drops the outcome of an ended job, so it can run again under the same id. */
  private forget(replyId: MessageId): void {
    this.jobs.delete(replyId);
    this.ended.splice(this.ended.indexOf(replyId), 1);
  }
}
