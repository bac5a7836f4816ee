import type {
  CountedExchange,
  MessagePage,
  MessageRepository,
  PendingReply,
  PromptCount,
  ReplyContext,
} from '#application/ports/message-repository.ts';
import type { UsageCounter } from '#application/ports/usage-counter.ts';
import { ChatroomNotFound } from '#domain/chatroom/chatroom-errors.ts';
import type { Message, TokenUsage } from '#domain/chatroom/message.ts';
import type { ChatroomId, MessageId } from '#domain/shared/ids.ts';
import { tierOf } from '#domain/subscription/subscription.ts';
import { copy, copyOrNull, type InMemoryStore } from './in-memory-store.ts';

/** Orders messages by (createdAt, id), the keyset the API pages by. */
function compare(a: Message, b: Message): number {
  return a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export class InMemoryMessageRepository implements MessageRepository {
  private readonly store: InMemoryStore;
  private readonly usage: UsageCounter;

  /** `usage`: the counter on the same store's unit of work, which addCountedExchange counts prompts with. */
  constructor(store: InMemoryStore, usage: UsageCounter) {
    this.store = store;
    this.usage = usage;
  }

  addCountedExchange(prompt: Message, reply: Message, count: PromptCount): Promise<CountedExchange> {
    return this.store.unitOfWork.atomically(async () => {
      if (this.store.chatrooms.get(prompt.chatroomId)?.ownerId !== count.userId) throw new ChatroomNotFound();
      const tier = tierOf(this.store.subscriptions.get(count.userId)?.status ?? null);
      const taken = await this.usage.take(count.userId, count.day, count.limits[tier]);
      if (!taken.admitted) return { ...taken, tier };
      const { historyLength } = count;
      const history =
        historyLength === undefined ? undefined : await this.historyBefore(prompt, historyLength);
      await this.addExchange(prompt, reply);
      return { ...taken, tier, ...(history ? { history } : {}) };
    });
  }

  async replyContext(replyId: MessageId, historyLength: number): Promise<ReplyContext | null> {
    const reply = await this.findById(replyId);
    if (!reply) return null;
    const prompt = reply.inReplyTo ? await this.findById(reply.inReplyTo) : null;
    return { reply, prompt, history: prompt ? await this.historyBefore(prompt, historyLength) : [] };
  }

  async addExchange(prompt: Message, reply: Message): Promise<void> {
    if (!this.store.chatrooms.has(prompt.chatroomId)) throw new ChatroomNotFound();
    this.store.messages.set(prompt.id, copy(prompt));
    this.store.messages.set(reply.id, copy(reply));
    this.store.unitOfWork.onUndo(() => {
      this.store.messages.delete(prompt.id);
      this.store.messages.delete(reply.id);
    });
  }

  async discardExchange(promptId: MessageId, replyId: MessageId): Promise<boolean> {
    const reply = this.store.messages.get(replyId);
    if (!reply?.isPending || reply.inReplyTo !== promptId) return false;
    const prompt = this.store.messages.get(promptId);
    this.store.messages.delete(replyId);
    this.store.messages.delete(promptId);
    this.store.unitOfWork.onUndo(() => {
      if (prompt) this.store.messages.set(promptId, prompt);
      this.store.messages.set(replyId, reply);
    });
    return true;
  }

  async findById(id: MessageId): Promise<Message | null> {
    return copyOrNull(this.store.messages.get(id));
  }

  async findInChatroom(chatroomId: ChatroomId, id: MessageId): Promise<Message | null> {
    const message = this.store.messages.get(id);
    return message?.chatroomId === chatroomId ? copy(message) : null;
  }

  async pendingReplies(limit: number, options: { createdBefore?: Date } = {}): Promise<PendingReply[]> {
    const before = options.createdBefore?.getTime() ?? Number.POSITIVE_INFINITY;
    return [...this.store.messages.values()]
      .filter((message) => message.isPending && message.createdAt.getTime() < before)
      .sort(compare)
      .slice(0, limit)
      .map((reply) => ({
        replyId: reply.id,
        userId: this.store.chatrooms.get(reply.chatroomId)!.ownerId,
        createdAt: new Date(reply.createdAt),
      }));
  }

  async page(chatroomId: ChatroomId, options: { limit: number; before?: Message }): Promise<MessagePage> {
    const { before } = options;
    const older = this.ofChatroom(chatroomId).filter((message) => !before || compare(message, before) < 0);
    const messages = older.slice(-options.limit);
    return { messages: messages.map(copy), hasMore: older.length > messages.length };
  }

  async historyBefore(message: Message, limit: number): Promise<Message[]> {
    return this.ofChatroom(message.chatroomId)
      .filter((candidate) => candidate.status === 'completed' && compare(candidate, message) < 0)
      .slice(-limit)
      .map(copy);
  }

  async complete(id: MessageId, content: string, tokenUsage: TokenUsage | null): Promise<boolean> {
    return this.settle(id, (reply) => reply.complete(content, tokenUsage));
  }

  async fail(id: MessageId, error: string): Promise<boolean> {
    return this.settle(id, (reply) => reply.fail(error));
  }

  async stop(id: MessageId, content: string): Promise<boolean> {
    return this.settle(id, (reply) => reply.stop(content));
  }

  async saveProgress(id: MessageId, content: string): Promise<boolean> {
    return this.settle(id, (reply) => reply.progress(content));
  }

  /** Stores what the domain makes of the reply; false when it refuses (the reply is no longer pending). */
  private settle(id: MessageId, change: (reply: Message) => Message | null): boolean {
    const stored = this.store.messages.get(id);
    const settled = stored ? change(stored) : null;
    if (!stored || !settled) return false;
    this.store.messages.set(id, copy(settled));
    this.store.unitOfWork.onUndo(() => this.store.messages.set(id, stored));
    return true;
  }

  private ofChatroom(chatroomId: ChatroomId): Message[] {
    return [...this.store.messages.values()]
      .filter((message) => message.chatroomId === chatroomId)
      .sort(compare);
  }
}
