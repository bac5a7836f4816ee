import { type Job, type MinimalJob, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { isRetryable } from '#application/ports/language-model.ts';
import type { Logger } from '#application/ports/logger.ts';
import type { Metrics } from '#application/ports/metrics.ts';
import {
  type EndedReply,
  jobLogFields,
  REPLY_BACKOFF_MS,
  type ReplyJob,
  type ReplyJobHandler,
  type ReplyOutcome,
} from '#application/ports/reply-queue.ts';
import type { Message } from '#domain/chatroom/message.ts';
import { NoMetrics } from '../metrics/no-metrics.ts';
import { REPLY_QUEUE_NAME } from './bullmq-reply-jobs.ts';
import type { LocalJobs } from './bullmq-reply-queue.ts';
import { retryDelay } from './retry-delay.ts';

export interface BullMqReplyWorkerOptions {
  /** A `maxRetriesPerRequest: null` client; shared, so the caller closes it after the worker. */
  connection: Redis;
  /** BullMQ's key prefix, as the queue's. */
  prefix: string;
  handler: ReplyJobHandler;
  logger: Logger;
  /** Counts retries and finished jobs. */
  metrics?: Metrics;
  /** Jobs run in parallel by this worker. */
  concurrency: number;
  /** How often workers look for jobs whose worker died, and how long a job's lock lasts without renewal (ms). */
  stalledIntervalMs?: number;
  lockDurationMs?: number;
  /** close() lets active jobs finish this long, then puts the rest back in the queue for another worker (ms). */
  shutdownGraceMs?: number;
  /**
   * Told of each job this worker takes, lets go or ends (after its reply is stored, before BullMQ marks the job): the
   * sends of this process waiting for it follow it here, with no Redis read (see BullMqReplyQueue).
   */
  local?: LocalJobs;
}

const NO_LOCAL_WAITS: LocalJobs = { taken: () => undefined, released: () => {}, ended: () => {} };

/** Thrown into an active job when the worker stops waiting for it at shutdown. */
class ReturnedAtShutdown extends Error {}

/**
 * Drives a ReplyJobHandler from the BullMQ queue. Errors that retrying cannot fix fail the job at once; after the
 * last attempt the handler's giveUp runs once, before the job is marked failed, so a crash in between repeats it
 * rather than losing it (giveUp is idempotent).
 */
export class BullMqReplyWorker {
  private readonly worker: Worker<ReplyJob>;
  private readonly handler: ReplyJobHandler;
  private readonly logger: Logger;
  private readonly metrics: Metrics;
  private readonly shutdownGraceMs: number;
  private readonly shutdown = new AbortController();
  private readonly giveUpsAfterStalls = new Set<Promise<void>>();
  private readonly local: LocalJobs;

  constructor(options: BullMqReplyWorkerOptions) {
    this.handler = options.handler;
    this.logger = options.logger;
    this.metrics = options.metrics ?? new NoMetrics();
    this.shutdownGraceMs = options.shutdownGraceMs ?? 10_000;
    this.local = options.local ?? NO_LOCAL_WAITS;
    this.worker = new Worker<ReplyJob>(REPLY_QUEUE_NAME, (job) => this.process(job), {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      stalledInterval: options.stalledIntervalMs ?? 30_000,
      lockDuration: options.lockDurationMs ?? 30_000,
      maxStalledCount: 1,
      settings: {
        backoffStrategy: (attemptsMade, _type, error, job) => retryDelay(attemptsMade, baseDelay(job), error),
      },
    });
    this.worker.on('error', (error) => this.logger.warn({ err: error }, 'reply worker: Redis error'));
    // A job whose workers died mid-run too often is failed by BullMQ without reaching process(): give it up here.
    this.worker.on('failed', (job, error) => {
      if (job?.deferredFailure) this.giveUpAfterStalls(job, error);
    });
  }

  /** Resolves once the worker is connected and taking jobs. */
  async waitUntilReady(): Promise<void> {
    await this.worker.waitUntilReady();
  }

  /** Takes no new job, lets the active ones finish (or returns them to the queue after the grace period). */
  async close(): Promise<void> {
    const grace = setTimeout(() => this.shutdown.abort(), this.shutdownGraceMs);
    try {
      await this.worker.close();
    } finally {
      clearTimeout(grace);
    }
    await Promise.allSettled(this.giveUpsAfterStalls);
  }

  private async process(job: Job<ReplyJob>): Promise<void> {
    const replyJob = job.data;
    const handed = this.local.taken(replyJob.replyId);
    // Only the job's first run starts from what its send stored: a retry, or a run after a stall, reads it again.
    const context = job.attemptsStarted <= 1 ? handed : undefined;
    let outcome: Exclude<ReplyOutcome, 'timeout'> | EndedReply | undefined;
    // The stored reply goes to a waiting send of this process at once, not after the end event and the job's end.
    let handedOver = false;
    const stored = (reply: Message) => {
      handedOver = true;
      this.local.ended(replyJob.replyId, { outcome: 'completed', reply });
    };
    try {
      const reply = await unlessShutDown(
        this.handler.handle(replyJob, context, stored),
        this.shutdown.signal,
      );
      this.metrics.replyJobFinished('completed');
      outcome = reply ? { outcome: 'completed', reply } : 'completed';
    } catch (error) {
      // BullMQ's documented way to put an active job back in the wait list without counting an attempt.
      if (error instanceof ReturnedAtShutdown) throw Worker.RateLimitError();
      const message = error instanceof Error ? error.message : String(error);
      if (!(await this.failAttempt(job, replyJob, error)))
        throw error instanceof Error ? error : new Error(message);
      outcome = 'failed';
      throw new UnrecoverableError(message);
    } finally {
      // A reply handed over at its store has been told already, whatever happened after.
      if (!handedOver) {
        if (outcome === undefined) this.local.released(replyJob.replyId);
        else this.local.ended(replyJob.replyId, outcome);
      }
    }
  }

  /** Logs a failed attempt; after the last one (or an error retrying cannot fix) gives the reply up: then true. */
  private async failAttempt(job: Job<ReplyJob>, replyJob: ReplyJob, error: unknown): Promise<boolean> {
    const final = !isRetryable(error) || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    this.logger.warn(
      { err: error, ...jobLogFields(replyJob), attempt: job.attemptsMade + 1, final },
      'reply attempt failed',
    );
    if (!final) {
      this.metrics.replyRetried();
      return false;
    }
    await this.handler.giveUp(replyJob, error);
    this.metrics.replyJobFinished('failed');
    return true;
  }

  private giveUpAfterStalls(job: Job<ReplyJob>, error: Error): void {
    const replyJob = job.data;
    const giving = this.handler.giveUp(replyJob, error).then(
      () => this.metrics.replyJobFinished('failed'),
      (failure: unknown) => {
        this.logger.error({ err: failure, ...jobLogFields(replyJob) }, 'could not give up a stalled reply');
      },
    );
    this.giveUpsAfterStalls.add(giving);
    void giving.finally(() => this.giveUpsAfterStalls.delete(giving));
  }
}

/** The backoff base the producer put on the job. */
function baseDelay(job: MinimalJob | undefined): number {
  const backoff = job?.opts.backoff;
  if (typeof backoff === 'number') return backoff;
  return backoff?.delay ?? REPLY_BACKOFF_MS;
}

/** Settles as `work` does, or rejects with ReturnedAtShutdown once `signal` aborts (the work goes on unobserved). */
async function unlessShutDown<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new ReturnedAtShutdown('the worker is shutting down'));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
