import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '#application/ports/logger.ts';
import {
  type EndedReply,
  type EnqueueOptions,
  jobLogFields,
  REPLY_ATTEMPTS,
  REPLY_BACKOFF_MS,
  type ReplyJob,
  type ReplyOutcome,
  type ReplyQueue,
} from '#application/ports/reply-queue.ts';
import { ServiceUnavailable } from '#application/shared/service-unavailable.ts';
import type { MessageId } from '#domain/shared/ids.ts';
import { REPLY_BACKOFF_TYPE, REPLY_JOB_NAME, REPLY_QUEUE_NAME } from './bullmq-reply-jobs.ts';
import type { CountsReplyJobs, ReplyJobCounts } from './reply-job-counts.ts';

export interface BullMqReplyQueueOptions {
  /** A fail-fast client for adding jobs and reading their state; shared, so the caller closes it. */
  client: Redis;
  /** A `maxRetriesPerRequest: null` client that BullMQ duplicates for the blocking event reader. */
  eventsClient: Redis;
  /** BullMQ's key prefix (no trailing colon). */
  prefix: string;
  logger: Logger;
  /** Base of the exponential backoff between attempts (ms). */
  backoffMs?: number;
  /** An enqueue that has not reached Redis by then fails with ServiceUnavailable('queue') (503), instead of hanging (ms). */
  enqueueTimeoutMs?: number;
  /**
   * This process runs a worker that hands its outcomes over (see settleLocally): a wait then reads the job's state
   * from Redis only if no outcome came within this time (ms), instead of at once. Unset: at once.
   */
  localWorkerStateCheckMs?: number;
}

/** Finished jobs kept for dedupe and inspection: bounded by count and age (seconds), never removed at once. */
const KEEP_COMPLETED = { count: 1000, age: 3600 };
const KEEP_FAILED = { count: 5000, age: 7 * 24 * 3600 };
/** Outcomes handed over by a local worker before their send waited, kept for it (a few ms apart, normally). */
const UNCLAIMED_KEPT = 256;

/**
 * The ReplyQueue on BullMQ. The job id is the reply id, so enqueueing twice makes one job (unless the first has
 * finished and the caller asks to replace it). Outcomes come from BullMQ's event stream (QueueEvents), so a send
 * waits for a job that runs in any worker process.
 */
export class BullMqReplyQueue implements ReplyQueue, CountsReplyJobs {
  private readonly queue: Queue<ReplyJob>;
  private readonly options: BullMqReplyQueueOptions;
  private readonly enqueueTimeoutMs: number;
  private events: Promise<QueueEvents> | undefined;
  /** The sends waiting for each reply, settled by the event reader or by a worker of this process. */
  private readonly waits = new Map<string, Set<(outcome: ReplyOutcome | EndedReply) => void>>();
  /** Outcomes a worker of this process reported while nobody waited yet (bounded, oldest dropped first). */
  private readonly unclaimed = new Map<string, ReplyOutcome | EndedReply>();

  constructor(options: BullMqReplyQueueOptions) {
    this.options = options;
    this.enqueueTimeoutMs = options.enqueueTimeoutMs ?? 2000;
    this.queue = new Queue<ReplyJob>(REPLY_QUEUE_NAME, {
      connection: options.client,
      prefix: options.prefix,
      defaultJobOptions: {
        attempts: REPLY_ATTEMPTS,
        backoff: { type: REPLY_BACKOFF_TYPE, delay: options.backoffMs ?? REPLY_BACKOFF_MS },
        removeOnComplete: KEEP_COMPLETED,
        removeOnFail: KEEP_FAILED,
      },
    });
    this.queue.on('error', (error) => options.logger.warn({ err: error }, 'reply queue: Redis error'));
  }

  async enqueue(job: ReplyJob, options: EnqueueOptions = {}): Promise<void> {
    const adding = this.add(job, options.replaceFinished === true);
    try {
      await withDeadline(adding, this.enqueueTimeoutMs, 'enqueue the reply job');
    } catch (error) {
      this.options.logger.warn({ err: error, ...jobLogFields(job) }, 'could not enqueue the reply job');
      throw new ServiceUnavailable('queue', 'The reply queue is unreachable, try again shortly', {
        retryAfterSeconds: 1,
      });
    }
  }

  async waitForOutcome(replyId: MessageId, timeoutMs: number): Promise<ReplyOutcome | EndedReply> {
    if (!this.unclaimed.has(replyId)) {
      try {
        await withDeadline(this.eventReader(), this.enqueueTimeoutMs, 'open the queue event reader');
      } catch (error) {
        this.options.logger.warn(
          { err: error, replyId },
          'cannot wait for the reply; answering it as pending',
        );
        return 'timeout';
      }
    }
    // Handed over by a worker of this process before this wait began (or while the reader opened).
    const known = this.unclaimed.get(replyId);
    if (known !== undefined) {
      this.unclaimed.delete(replyId);
      return known;
    }
    return new Promise<ReplyOutcome | EndedReply>((resolve) => {
      let settled = false;
      const finish = (outcome: ReplyOutcome | EndedReply) => {
        settled = true;
        clearTimeout(timer);
        clearTimeout(stateCheck);
        this.forget(replyId, finish);
        resolve(outcome);
      };
      const timer = setTimeout(() => finish('timeout'), timeoutMs);
      const waits = this.waits.get(replyId) ?? new Set();
      waits.add(finish);
      this.waits.set(replyId, waits);
      // The job may have ended before we listened: its state says so (a read error leaves it to the events). With a
      // worker in this process, which hands its outcomes over at once, that read is only made if none came soon.
      const checkState = () => {
        this.queue.getJobState(replyId).then(
          (state) => {
            if (!settled && (state === 'completed' || state === 'failed')) finish(state);
          },
          () => undefined,
        );
      };
      const delay = this.options.localWorkerStateCheckMs;
      const stateCheck = delay === undefined ? undefined : setTimeout(checkState, delay);
      if (delay === undefined) checkState();
    });
  }

  /**
   * A worker of this process ended a job (after storing its reply): its waiters learn it now, with the reply as
   * stored when there is one, instead of through the event stream and a read back. BullMQ's event still follows.
   */
  settleLocally(replyId: MessageId, outcome: Exclude<ReplyOutcome, 'timeout'> | EndedReply): void {
    if (this.waits.has(replyId)) {
      this.settle(replyId, outcome);
      return;
    }
    this.unclaimed.set(replyId, outcome);
    if (this.unclaimed.size > UNCLAIMED_KEPT) {
      const oldest = this.unclaimed.keys().next().value;
      if (oldest !== undefined) this.unclaimed.delete(oldest);
    }
  }

  /** Read from Redis at each scrape: the queue's own counts, whichever process runs the jobs. */
  async jobCounts(): Promise<ReplyJobCounts> {
    const counts = await withDeadline(
      this.queue.getJobCounts('waiting', 'delayed', 'active'),
      this.enqueueTimeoutMs,
      'count the reply jobs',
    );
    return { waiting: counts.waiting ?? 0, delayed: counts.delayed ?? 0, active: counts.active ?? 0 };
  }

  async close(): Promise<void> {
    for (const waits of [...this.waits.values()]) for (const finish of waits) finish('timeout');
    const events = this.events;
    this.events = undefined;
    await events?.then(
      (reader) => reader.close(),
      () => undefined,
    );
    await this.queue.close();
  }

  /**
   * BullMQ ignores an add under the id of a job it still holds, finished ones included (kept for days); so a
   * finished job is removed first when the caller asks to run it again. A waiting or active one is left alone.
   */
  private async add(job: ReplyJob, replaceFinished: boolean): Promise<void> {
    if (replaceFinished) {
      const state = await this.queue.getJobState(job.replyId);
      if (state === 'completed' || state === 'failed') await this.queue.remove(job.replyId);
    }
    const { replyId, userId, day, requestId, tier } = job;
    await this.queue.add(REPLY_JOB_NAME, { replyId, userId, day, requestId, tier }, { jobId: replyId });
  }

  private settle(replyId: string, outcome: ReplyOutcome | EndedReply): void {
    for (const finish of this.waits.get(replyId) ?? []) finish(outcome);
  }

  private forget(replyId: string, finish: (outcome: ReplyOutcome | EndedReply) => void): void {
    const waits = this.waits.get(replyId);
    waits?.delete(finish);
    if (waits?.size === 0) this.waits.delete(replyId);
  }

  /** One event reader per queue, opened on the first wait. */
  private eventReader(): Promise<QueueEvents> {
    if (!this.events) {
      this.events = this.openEventReader();
      this.events.catch(() => {
        this.events = undefined;
      });
    }
    return this.events;
  }

  /** Starts reading right after the stream's current last event, so no event between now and the first read is lost. */
  private async openEventReader(): Promise<QueueEvents> {
    const [last] = await this.options.client.xrevrange(this.queue.toKey('events'), '+', '-', 'COUNT', 1);
    const reader = new QueueEvents(REPLY_QUEUE_NAME, {
      connection: this.options.eventsClient,
      prefix: this.options.prefix,
      lastEventId: last?.[0] ?? '0-0',
    });
    reader.on('completed', ({ jobId }) => this.settle(jobId, 'completed'));
    reader.on('failed', ({ jobId }) => this.settle(jobId, 'failed'));
    reader.on('error', (error) => this.options.logger.warn({ err: error }, 'reply events: Redis error'));
    return reader;
  }
}

/** Rejects when `promise` has not settled within `ms`; the work itself may still finish later. */
async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms to ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
