import { ValidationFailed } from '../shared/domain-error.ts';
import type { ChatroomId, MessageId } from '../shared/ids.ts';
import { characterCount, hasNul } from '../shared/text.ts';

export const CONTENT_MAX_LENGTH = 8000;
/** Completed messages sent to the model as context with each prompt. */
export const HISTORY_LENGTH = 20;

export type MessageRole = 'user' | 'model';
/** A reply is `pending` until it ends once: completed, failed for good, or stopped by its user. */
export type MessageStatus = 'pending' | 'completed' | 'failed' | 'stopped';

export interface TokenUsage {
  promptTokens: number;
  candidateTokens: number;
  totalTokens: number;
}

export interface MessageProps {
  id: MessageId;
  chatroomId: ChatroomId;
  role: MessageRole;
  content: string;
  status: MessageStatus;
  error: string | null;
  /** For a model reply: the user message it answers. */
  inReplyTo: MessageId | null;
  tokenUsage: TokenUsage | null;
  createdAt: Date;
}

export class Message {
  readonly id: MessageId;
  readonly chatroomId: ChatroomId;
  readonly role: MessageRole;
  readonly content: string;
  readonly status: MessageStatus;
  readonly error: string | null;
  readonly inReplyTo: MessageId | null;
  readonly tokenUsage: TokenUsage | null;
  readonly createdAt: Date;

  constructor(props: MessageProps) {
    this.id = props.id;
    this.chatroomId = props.chatroomId;
    this.role = props.role;
    this.content = props.content;
    this.status = props.status;
    this.error = props.error;
    this.inReplyTo = props.inReplyTo;
    this.tokenUsage = props.tokenUsage;
    this.createdAt = props.createdAt;
  }

  /** A prompt and the pending reply that will answer it. */
  static exchange(input: {
    promptId: MessageId;
    replyId: MessageId;
    chatroomId: ChatroomId;
    content: string;
    now: Date;
  }): {
    prompt: Message;
    reply: Message;
  } {
    const prompt = new Message({
      id: input.promptId,
      chatroomId: input.chatroomId,
      role: 'user',
      content: checkContent(input.content),
      status: 'completed',
      error: null,
      inReplyTo: null,
      tokenUsage: null,
      createdAt: input.now,
    });
    const reply = new Message({
      id: input.replyId,
      chatroomId: input.chatroomId,
      role: 'model',
      content: '',
      status: 'pending',
      error: null,
      inReplyTo: input.promptId,
      tokenUsage: null,
      createdAt: input.now,
    });
    return { prompt, reply };
  }

  get isPending(): boolean {
    return this.status === 'pending';
  }

  /** The reply with the model's answer; null when it is no longer pending (a reply is settled once). */
  complete(content: string, tokenUsage: TokenUsage | null): Message | null {
    return this.isPending
      ? new Message({ ...this, status: 'completed', content, tokenUsage, error: null })
      : null;
  }

  /** The reply failed for good, with a reason safe to show; null when it is no longer pending. */
  fail(error: string): Message | null {
    return this.isPending ? new Message({ ...this, status: 'failed', error }) : null;
  }

  /** The reply stopped by its user, keeping the text written so far; null when it is no longer pending. */
  stop(content: string): Message | null {
    return this.isPending ? new Message({ ...this, status: 'stopped', content }) : null;
  }

  /** The text written so far of a reply still being generated; null when it is no longer pending. */
  progress(content: string): Message | null {
    return this.isPending ? new Message({ ...this, content }) : null;
  }

  /** A reply counts against the quota unless it failed, or was stopped before any text. */
  get countsAgainstQuota(): boolean {
    return this.status !== 'failed' && !(this.status === 'stopped' && this.content === '');
  }
}

export function checkContent(input: string): string {
  const content = input.trim();
  const length = characterCount(content);
  if (length < 1 || length > CONTENT_MAX_LENGTH) {
    throw new ValidationFailed('content', `must be 1 to ${CONTENT_MAX_LENGTH} characters after trimming`);
  }
  if (hasNul(content)) throw new ValidationFailed('content', 'must not contain a NUL character');
  return content;
}
