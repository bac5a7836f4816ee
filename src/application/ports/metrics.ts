import type { MessageStatus, TokenUsage } from '#domain/chatroom/message.ts';
import type { Tier } from '#domain/subscription/subscription.ts';
import type { PaymentEvent } from './payment-gateway.ts';

export type EndedReplyStatus = Exclude<MessageStatus, 'pending'>;
export type PaymentEventOutcome = 'applied' | 'duplicate' | 'ignored' | 'invalid';

/** What the service counts for its operators (exported to Prometheus, or dropped); recording never throws. */
export interface Metrics {
  /** The model wrote the first text of a reply's attempt, `seconds` after the prompt was sent. */
  replyFirstText(seconds: number): void;
  /** A reply ended, `seconds` after the prompt was sent. */
  replyEnded(status: EndedReplyStatus, seconds: number): void;
  /** A model call failed; `kind` is a short label of the failure (e.g. `rateLimited`). */
  modelFailed(failure: { kind: string; retryable: boolean }): void;
  /** A reply job's attempt failed and will be tried again. */
  replyRetried(): void;
  /** A reply job ended: it ran to the end, or it failed for good. */
  replyJobFinished(outcome: 'completed' | 'failed'): void;
  /** Tokens a completed reply used, by the sender's tier. */
  tokensUsed(tier: Tier, tokens: TokenUsage): void;
  /** A prompt refused by the daily quota. */
  quotaRejected(tier: Tier): void;
  /** A chatroom list read: from the cache, or (a miss) from the database. */
  chatroomListRead(result: 'hit' | 'miss'): void;
  /** A payment webhook event; `kind` null when it could not be verified or read. */
  paymentEvent(kind: PaymentEvent['kind'] | null, outcome: PaymentEventOutcome): void;
}
