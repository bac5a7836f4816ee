import type { TokenUsage } from '#domain/chatroom/message.ts';

export interface Turn {
  role: 'user' | 'model';
  text: string;
}

export interface ModelReply {
  text: string;
  tokenUsage: TokenUsage | null;
}

/** Why the model stopped writing, in the UI message stream protocol's terms. */
export type FinishReason = 'stop' | 'length' | 'content-filter' | 'other';

/** A piece of a streamed answer: text as it is written, then one finish with the usage report. */
export type ModelStreamPart =
  | { type: 'text'; text: string }
  | { type: 'finish'; finishReason: FinishReason; tokenUsage: TokenUsage | null };

export interface ModelCallOptions {
  signal?: AbortSignal;
}

/** A chat model: the conversation, oldest first, ends with the new prompt. */
export interface LanguageModel {
  reply(conversation: Turn[], options?: ModelCallOptions): Promise<ModelReply>;
  /** The same answer as it is written: text parts, then one finish part. */
  stream(conversation: Turn[], options?: ModelCallOptions): AsyncIterable<ModelStreamPart>;
}

/** A failed model call, classified for the queue. `userMessage` is safe to show. */
export class LanguageModelError extends Error {
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly userMessage: string;

  constructor(userMessage: string, options: { retryable: boolean; retryAfterMs?: number; cause?: unknown }) {
    super(userMessage, { cause: options.cause });
    this.name = 'LanguageModelError';
    this.userMessage = userMessage;
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export function isRetryable(error: unknown): boolean {
  return !(error instanceof LanguageModelError) || error.retryable;
}
