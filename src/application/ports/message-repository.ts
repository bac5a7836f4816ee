import type { Message, TokenUsage } from '#domain/chatroom/message.ts';
import type { ChatroomId, MessageId, UserId } from '#domain/shared/ids.ts';
import type { Tier } from '#domain/subscription/subscription.ts';
import type { QuotaTake } from './usage-counter.ts';

export interface MessagePage {
  /** Oldest first. */
  messages: Message[];
  hasMore: boolean;
}

/** A reply still pending, with the sender of its prompt. */
export interface PendingReply {
  replyId: MessageId;
  userId: UserId;
  createdAt: Date;
}

/** What counting a prompt against its sender's day takes (see UsageCounter.take). */
export interface PromptCount {
  /** The sender: the chatroom must be theirs. */
  userId: UserId;
  day: string;
  /** The day's limit of each tier (null: no limit); the sender's tier is read with the count (tierOf). */
  limits: Readonly<Record<Tier, number | null>>;
  /** Read with the count when it admits: this many messages of history before the prompt (as historyBefore). */
  historyLength?: number;
}

/** The quota take of a counted exchange, and the tier the sender was counted at. */
export interface CountedExchange extends QuotaTake {
  tier: Tier;
  /** When admitted and asked for (historyLength): the history before the prompt, oldest first, as historyBefore. */
  history?: Message[];
}

/** What a reply job reads before it calls the model: the reply, its prompt and the history before the prompt. */
export interface ReplyContext {
  reply: Message;
  /** null when the prompt no longer exists. */
  prompt: Message | null;
  /** The last completed messages created before the prompt, oldest first (empty without a prompt). */
  history: Message[];
}

/** Messages of a chatroom, ordered by (createdAt, id); an id that cannot exist (not a UUID) is simply not found. */
export interface MessageRepository {
  /** Stores a prompt and its pending reply in one transaction; ChatroomNotFound if the chatroom was deleted meanwhile. */
  addExchange(prompt: Message, reply: Message): Promise<void>;
  /**
   * Counts the prompt (as UsageCounter.take) against the limit of the sender's tier (their subscription's, as
   * tierOf reads it) and, when admitted, stores the exchange, in one atomic write (one statement on PostgreSQL): an
   * outage can neither charge a prompt nobody stored nor store one nobody paid for. ChatroomNotFound, and nothing
   * counted, if the chatroom is not the sender's (or was deleted meanwhile).
   */
  addCountedExchange(prompt: Message, reply: Message, count: PromptCount): Promise<CountedExchange>;
  /** The reply, its prompt and `historyLength` messages of history (as historyBefore) in one read; null without the reply. */
  replyContext(replyId: MessageId, historyLength: number): Promise<ReplyContext | null>;
  /** Removes an exchange whose reply is still pending (its send was refused after storing); false otherwise. */
  discardExchange(promptId: MessageId, replyId: MessageId): Promise<boolean>;
  findById(id: MessageId): Promise<Message | null>;
  findInChatroom(chatroomId: ChatroomId, id: MessageId): Promise<Message | null>;
  /** The `limit` messages just before `before` (or the latest), oldest first. */
  page(chatroomId: ChatroomId, options: { limit: number; before?: Message }): Promise<MessagePage>;
  /** The last `limit` completed messages created before `message`, oldest first. */
  historyBefore(message: Message, limit: number): Promise<Message[]>;
  /** Completes a pending reply (Message.complete); false when it was not pending (a job that ran twice writes once). */
  complete(id: MessageId, content: string, tokenUsage: TokenUsage | null): Promise<boolean>;
  /** Fails a pending reply (Message.fail); false when it was not pending. */
  fail(id: MessageId, error: string): Promise<boolean>;
  /** Stops a pending reply with the text so far (Message.stop); false when it was not pending. */
  stop(id: MessageId, content: string): Promise<boolean>;
  /** Stores the text so far of a pending reply (Message.progress); false when it was not pending. */
  saveProgress(id: MessageId, content: string): Promise<boolean>;
  /** Replies still pending, oldest first; with `createdBefore`, only those created before it (see ReconcileReplies). */
  pendingReplies(limit: number, options?: { createdBefore?: Date }): Promise<PendingReply[]>;
}
