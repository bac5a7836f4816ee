import type { TokenUsage } from '#domain/chatroom/message.ts';
import type { MessageId } from '#domain/shared/ids.ts';
import type { FinishReason } from './language-model.ts';

/** What the worker records while it produces a reply; readers render it (the HTTP adapter as SSE). */
export type ReplyEvent =
  /** An attempt begins; the text of any earlier attempt is void. */
  | { type: 'attempt' }
  | { type: 'delta'; text: string }
  | { type: 'finish'; finishReason: FinishReason; tokens: TokenUsage | null }
  | { type: 'error'; error: string }
  | { type: 'abort' };

export type EndEvent = Extract<ReplyEvent, { type: 'finish' | 'error' | 'abort' }>;

/** An event with its id: opaque, increasing within a reply, usable as SSE `id:` and `Last-Event-ID`. */
export interface LoggedReplyEvent {
  id: string;
  event: ReplyEvent;
}

export function isEnd(event: ReplyEvent): event is EndEvent {
  return event.type === 'finish' || event.type === 'error' || event.type === 'abort';
}

/** Minimum time a reply's events stay readable after its end; later readers get the stored message. */
export const REPLY_EVENTS_KEPT_SECONDS = 600;

/**
 * A per-reply event log with live fan-out, shared by every process: the worker appends, any API process reads
 * and follows. Events of a reply are kept at least REPLY_EVENTS_KEPT_SECONDS after its end event.
 */
export interface ReplyEventLog {
  append(replyId: MessageId, events: ReplyEvent[]): Promise<void>;
  /** The events recorded after `afterId` (all of them when undefined), oldest first. */
  read(replyId: MessageId, afterId?: string): Promise<LoggedReplyEvent[]>;
  /**
   * The events after `afterId`, then live ones as they are appended, until an end event has been yielded or
   * `signal` aborts. Readers never block each other.
   */
  follow(
    replyId: MessageId,
    afterId: string | undefined,
    signal: AbortSignal,
  ): AsyncIterable<LoggedReplyEvent>;
}

/** Stop requests for replies, seen by whichever process generates them, even one that has not started yet. */
export interface ReplyCancellation {
  /** Throws ServiceUnavailable('redis') when the request cannot be recorded (503: nothing was stopped). */
  requestStop(replyId: MessageId): Promise<void>;
  isStopRequested(replyId: MessageId): Promise<boolean>;
  /**
   * Calls `onStop` once a stop is requested for the reply, until the returned function is called (at once for a stop
   * requested before). `createdAt`, when known: the reply's creation, before which no stop can have been requested.
   */
  watch(replyId: MessageId, onStop: () => void, createdAt?: Date): Promise<() => void>;
}
