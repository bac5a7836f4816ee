import type { Message } from '#domain/chatroom/message.ts';
import type { MessageId, UserId } from '#domain/shared/ids.ts';
import type { Tier } from '#domain/subscription/subscription.ts';
import type { ReplyContext } from './message-repository.ts';

export interface ReplyJob {
  /** The pending reply to produce; also the job id, so a retried enqueue never makes two jobs. */
  replyId: MessageId;
  /** Who sent the prompt, and the UTC day (YYYY-MM-DD) it was counted against: a reply that fails gives it back. */
  userId: UserId;
  day: string;
  /** The X-Request-Id of the send that made the job: every log line the worker writes about the reply carries it. */
  requestId?: string | undefined;
  /** The sender's tier when the prompt was sent, for the token counts (read again when absent). */
  tier?: Tier | undefined;
}

/** The fields that tie a log line to a job's reply and to the request that asked for it. */
export function jobLogFields(job: ReplyJob): { replyId: MessageId; reqId?: string } {
  return job.requestId === undefined
    ? { replyId: job.replyId }
    : { replyId: job.replyId, reqId: job.requestId };
}

export type ReplyOutcome = 'completed' | 'failed' | 'timeout';

/** A reply a worker of the waiting process stored as ended, handed over as stored (nothing to read back). */
export interface EndedReply {
  outcome: Exclude<ReplyOutcome, 'timeout'>;
  reply: Message;
}

export interface EnqueueOptions {
  /**
   * When a job with this reply id has already finished (completed or failed), run it again instead of ignoring the
   * enqueue as a duplicate: for a reply left pending after its job ended (e.g. its final giveUp failed).
   */
  replaceFinished?: boolean;
  /**
   * The reply's context as the send just stored it: a worker of this process that takes the job's first attempt
   * soon after may use it instead of reading it back (handle's `context`). Never sent to Redis.
   */
  context?: ReplyContext;
}

/** Produces replies asynchronously: 3 attempts with exponential backoff, then the reply fails for good. */
export interface ReplyQueue {
  /** Throws ServiceUnavailable('queue') when the job cannot be stored. */
  enqueue(job: ReplyJob, options?: EnqueueOptions): Promise<void>;
  /**
   * Waits until the job ends or `timeoutMs` passes; works when another process runs the job. When a worker of this
   * process ended it and handed over the stored reply, that reply comes with the outcome.
   */
  waitForOutcome(replyId: MessageId, timeoutMs: number): Promise<ReplyOutcome | EndedReply>;
}

/** The consumer side the queue adapters drive (see GenerateReply). */
export interface ReplyJobHandler {
  /**
   * Resolves with the reply as this call stored it when it completed it (else nothing: read it back). `context`: the
   * reply's context as its send stored it (EnqueueOptions.context), given to a job's first attempt in the sending
   * process; without it the handler reads the context. `stored`: called with that reply as soon as it is stored
   * (committed), before its followers are told and the job is done, so that a send waiting for it can answer at once.
   */
  handle(
    job: ReplyJob,
    context?: ReplyContext,
    stored?: (reply: Message) => void,
    // biome-ignore lint/suspicious/noConfusingVoidType: a handler that hands nothing over is a plain Promise<void>.
  ): Promise<Message | void>;
  /** Called once when the job will not be tried again. */
  giveUp(job: ReplyJob, error: unknown): Promise<void>;
}

export const REPLY_ATTEMPTS = 3;
export const REPLY_BACKOFF_MS = 1000;
