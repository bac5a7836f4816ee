import { LanguageModelError } from '#application/ports/language-model.ts';

/** What the producer and the workers agree on: one queue, one job name, the custom backoff's name. */
export const REPLY_QUEUE_NAME = 'replies';
export const REPLY_JOB_NAME = 'reply';
export const REPLY_BACKOFF_TYPE = 'reply-backoff';

/** A model's retry-after is honoured up to this long; beyond it the next attempt goes ahead anyway (ms). */
export const MAX_RETRY_DELAY_MS = 60_000;

export interface ReplyJobData {
  replyId: string;
}

/** The delay before the next attempt: exponential from `baseMs`, or the model's retry-after when that is longer. */
export function retryDelay(attemptsMade: number, baseMs: number, error: unknown): number {
  const exponential = baseMs * 2 ** Math.max(0, attemptsMade - 1);
  const retryAfter = error instanceof LanguageModelError ? (error.retryAfterMs ?? 0) : 0;
  return Math.max(exponential, Math.min(retryAfter, MAX_RETRY_DELAY_MS));
}
