import type { MessageId, UserId } from '#domain/shared/ids.ts';

export interface ReplyJob {
  /** The pending reply to produce; also the job id, so a retried enqueue never makes two jobs. */
  replyId: MessageId;
  /** Who sent the prompt, and the UTC day (YYYY-MM-DD) it was counted against: a reply that fails gives it back. */
  userId: UserId;
  day: string;
}

export type ReplyOutcome = 'completed' | 'failed' | 'timeout';

export interface EnqueueOptions {
  /**
   * When a job with this reply id has already finished (completed or failed), run it again instead of ignoring the
   * enqueue as a duplicate: for a reply left pending after its job ended (e.g. its final giveUp failed).
   */
  replaceFinished?: boolean;
}

/** Produces replies asynchronously: 3 attempts with exponential backoff, then the reply fails for good. */
export interface ReplyQueue {
  /** Throws ServiceUnavailable('queue') when the job cannot be stored. */
  enqueue(job: ReplyJob, options?: EnqueueOptions): Promise<void>;
  /** Waits until the job ends or `timeoutMs` passes; works when another process runs the job. */
  waitForOutcome(replyId: MessageId, timeoutMs: number): Promise<ReplyOutcome>;
}

/** The consumer side the queue adapters drive (see GenerateReply). */
export interface ReplyJobHandler {
  handle(job: ReplyJob): Promise<void>;
  /** Called once when the job will not be tried again. */
  giveUp(job: ReplyJob, error: unknown): Promise<void>;
}

export const REPLY_ATTEMPTS = 3;
export const REPLY_BACKOFF_MS = 1000;
