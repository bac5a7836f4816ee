import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { Logger } from '#application/ports/logger.ts';
import type { ReplyContext } from '#application/ports/message-repository.ts';
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
   * This process runs a worker that tells this queue of the jobs it takes and ends (see LocalJobs): a wait whose
   * job that worker holds learns its outcome from it, with no Redis read; one whose job it has not taken within this
   * time (ms), or has let go, follows the job through Redis (its state, then BullMQ's event stream). Unset: every
   * wait follows the job through Redis from the start.
   */
  localWorkerStateCheckMs?: number;
  /** With a local worker: the event reader is closed once no wait has needed it for this long (ms). */
  readerIdleMs?: number;
  /** With a local worker: how long a context handed over with an enqueue is kept for it (ms; HANDED_OVER_MS). */
  handedOverMs?: number;
}

/** What a worker of this process tells the queue about the jobs it runs (BullMqReplyQueue implements it). */
export interface LocalJobs {
  /**
   * The worker took the job: its outcome will come from it (ended), unless it lets the job go (released). Returns
   * the reply's context when a send of this process enqueued the job with it (EnqueueOptions.context) within
   * HANDED_OVER_MS; once only.
   */
  taken(replyId: MessageId): ReplyContext | undefined;
  /** The worker let the job go without an outcome (an attempt to retry, a shutdown): any worker may end it. */
  released(replyId: MessageId): void;
  /** The worker ended the job, after storing its reply (and before BullMQ marks the job). */
  ended(replyId: MessageId, outcome: Exclude<ReplyOutcome, 'timeout'> | EndedReply): void;
}

/** One send waiting for a reply: `finish` settles it; `followRemotely` makes it follow the job through Redis. */
interface Waiter {
  finish(outcome: ReplyOutcome | EndedReply): void;
  followRemotely(): void;
}

/** Finished jobs kept for dedupe and inspection: bounded by count and age (seconds), never removed at once. */
const KEEP_COMPLETED = { count: 1000, age: 3600 };
const KEEP_FAILED = { count: 5000, age: 7 * 24 * 3600 };
/** Outcomes handed over by a local worker before their send waited, kept for it (a few ms apart, normally). */
const UNCLAIMED_KEPT = 256;
const READER_IDLE_MS = 30_000;
/**
 * How long a context handed over with an enqueue waits for this process's worker (which takes it within a few ms
 * unless the queue is backed up): a job taken later, or by another process, reads its context from the database.
 */
const HANDED_OVER_MS = 5000;
const HANDED_OVER_KEPT = 1024;

/**
 * The ReplyQueue on BullMQ. The job id is the reply id, so enqueueing twice makes one job (unless the first has
 * finished and the caller asks to replace it). Outcomes come from BullMQ's event stream (QueueEvents), so a send
 * waits for a job that runs in any worker process; a job run by a worker of this process is followed through that
 * worker instead (LocalJobs), and the event stream is read only while some wait needs it.
 */
export class BullMqReplyQueue implements ReplyQueue, CountsReplyJobs, LocalJobs {
  private readonly queue: Queue<ReplyJob>;
  private readonly options: BullMqReplyQueueOptions;
  private readonly enqueueTimeoutMs: number;
  private events: Promise<QueueEvents> | undefined;
  /** The sends waiting for each reply, settled by the event reader or by a worker of this process. */
  private readonly waits = new Map<string, Set<Waiter>>();
  /** Outcomes a worker of this process reported while nobody waited yet (bounded, oldest dropped first). */
  private readonly unclaimed = new Map<string, ReplyOutcome | EndedReply>();
  /** The jobs a worker of this process is running. */
  private readonly held = new Set<string>();
  /** Contexts handed over with enqueues, for this process's worker (HANDED_OVER_MS, HANDED_OVER_KEPT at most). */
  private readonly handed: LRUCache<string, ReplyContext>;
  /** Waits following their job through Redis (with a local worker, the event reader stays open while any do). */
  private remoteWaits = 0;
  private readerIdle: NodeJS.Timeout | undefined;

  constructor(options: BullMqReplyQueueOptions) {
    this.options = options;
    this.enqueueTimeoutMs = options.enqueueTimeoutMs ?? 2000;
    this.handed = new LRUCache({ max: HANDED_OVER_KEPT, ttl: options.handedOverMs ?? HANDED_OVER_MS });
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
    // Kept before the add: the worker can take the job before the add's answer is read.
    if (options.context && this.options.localWorkerStateCheckMs !== undefined) {
      this.handed.set(job.replyId, options.context);
    }
    const adding = this.add(job, options.replaceFinished === true);
    try {
      await withDeadline(adding, this.enqueueTimeoutMs, 'enqueue the reply job');
    } catch (error) {
      this.handed.delete(job.replyId);
      this.options.logger.warn({ err: error, ...jobLogFields(job) }, 'could not enqueue the reply job');
      throw new ServiceUnavailable('queue', 'The reply queue is unreachable, try again shortly', {
        retryAfterSeconds: 1,
      });
    }
  }

  async waitForOutcome(replyId: MessageId, timeoutMs: number): Promise<ReplyOutcome | EndedReply> {
    const delay = this.options.localWorkerStateCheckMs;
    if (delay === undefined && !this.unclaimed.has(replyId) && !(await this.readerOpened(replyId))) {
      return 'timeout';
    }
    // Handed over by a worker of this process before this wait began (or while the reader opened).
    const known = this.unclaimed.get(replyId);
    if (known !== undefined) {
      this.unclaimed.delete(replyId);
      return known;
    }
    return new Promise<ReplyOutcome | EndedReply>((resolve) => {
      let settled = false;
      let remote = false;
      const waiter: Waiter = {
        finish: (outcome) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          clearTimeout(localCheck);
          this.forget(replyId, waiter);
          if (remote) this.remoteWaitEnded();
          resolve(outcome);
        },
        // The job may have ended before the reader listened: its state says so (a read error leaves it to the events).
        followRemotely: () => {
          if (settled || remote) return;
          remote = true;
          this.remoteWaitStarted();
          void this.readerOpened(replyId).then((opened) => {
            if (!opened) return waiter.finish('timeout');
            this.queue.getJobState(replyId).then(
              (state) => {
                if (state === 'completed' || state === 'failed') waiter.finish(state);
              },
              () => undefined,
            );
          });
        },
      };
      const timer = setTimeout(() => waiter.finish('timeout'), timeoutMs);
      const waiters = this.waits.get(replyId) ?? new Set();
      waiters.add(waiter);
      this.waits.set(replyId, waiters);
      // A job a worker of this process holds is ended by it; one it has not taken by then may run anywhere.
      const localCheck =
        delay === undefined
          ? undefined
          : setTimeout(() => {
              if (!this.held.has(replyId)) waiter.followRemotely();
            }, delay);
      if (delay === undefined) waiter.followRemotely();
    });
  }

  taken(replyId: MessageId): ReplyContext | undefined {
    this.held.add(replyId);
    const context = this.handed.get(replyId);
    this.handed.delete(replyId);
    return context;
  }

  released(replyId: MessageId): void {
    this.held.delete(replyId);
    for (const waiter of this.waits.get(replyId) ?? []) waiter.followRemotely();
  }

  /**
   * A worker of this process ended a job (after storing its reply): its waiters learn it now, with the reply as
   * stored when there is one, instead of through the event stream and a read back. BullMQ's event still follows.
   */
  ended(replyId: MessageId, outcome: Exclude<ReplyOutcome, 'timeout'> | EndedReply): void {
    this.held.delete(replyId);
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
    for (const waiters of [...this.waits.values()]) for (const waiter of waiters) waiter.finish('timeout');
    clearTimeout(this.readerIdle);
    await this.closeReader();
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
    for (const waiter of this.waits.get(replyId) ?? []) waiter.finish(outcome);
  }

  private forget(replyId: string, waiter: Waiter): void {
    const waiters = this.waits.get(replyId);
    waiters?.delete(waiter);
    if (waiters?.size === 0) this.waits.delete(replyId);
  }

  /** Opens the event reader unless it is open; false (logged) when Redis did not let it open in time. */
  private async readerOpened(replyId: MessageId): Promise<boolean> {
    try {
      await withDeadline(this.eventReader(), this.enqueueTimeoutMs, 'open the queue event reader');
      return true;
    } catch (error) {
      this.options.logger.warn({ err: error, replyId }, 'cannot wait for the reply; answering it as pending');
      return false;
    }
  }

  private remoteWaitStarted(): void {
    this.remoteWaits += 1;
    clearTimeout(this.readerIdle);
    this.readerIdle = undefined;
  }

  /** With a local worker, the reader is closed once no wait has needed it for a while (it reads every job's events). */
  private remoteWaitEnded(): void {
    this.remoteWaits -= 1;
    if (this.remoteWaits > 0 || this.options.localWorkerStateCheckMs === undefined) return;
    this.readerIdle = setTimeout(() => {
      this.readerIdle = undefined;
      if (this.remoteWaits === 0) void this.closeReader();
    }, this.options.readerIdleMs ?? READER_IDLE_MS);
    this.readerIdle.unref();
  }

  private async closeReader(): Promise<void> {
    const events = this.events;
    this.events = undefined;
    await events?.then(
      (reader) => reader.close(),
      () => undefined,
    );
  }

  /** One event reader per queue, opened on the first wait that follows its job through Redis. */
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
