import { ForeignKeyConstraintViolationException } from '@mikro-orm/core';
import type { MessagePage, MessageRepository, PendingReply } from '#application/ports/message-repository.ts';
import { ChatroomNotFound } from '#domain/chatroom/chatroom-errors.ts';
import type { Message, MessageProps, TokenUsage } from '#domain/chatroom/message.ts';
import type { ChatroomId, MessageId } from '#domain/shared/ids.ts';
import type { EntityManagers } from './entity-managers.ts';
import { MessageSchema } from './schemas/message.schema.ts';
import type { TableRows } from './table-rows.ts';
import { isUuid } from './uuid.ts';

/** Replies still pending, oldest first, on the partial index messages_pending_created_idx. */
const PENDING_REPLIES = `
  select m.id, c.owner_id, m.created_at from messages m join chatrooms c on c.id = m.chatroom_id
  where m.status = 'pending' order by m.created_at, m.id limit ?`;

const DISCARD_EXCHANGE = `
  with reply as (delete from messages where id = ? and status = 'pending' and in_reply_to = ? returning in_reply_to)
  delete from messages where id = (select in_reply_to from reply) returning id`;

/** Messages, paged by the keyset (created_at, id) on the index messages_chatroom_created_id_idx. */
export class PostgresMessageRepository implements MessageRepository {
  private readonly ems: EntityManagers;
  private readonly messages: TableRows<Message>;

  constructor(ems: EntityManagers) {
    this.ems = ems;
    this.messages = ems.rowsOf(MessageSchema);
  }

  async addExchange(prompt: Message, reply: Message): Promise<void> {
    // One multi-row INSERT: the prompt and its pending reply are stored together or not at all.
    try {
      await this.ems.current().insertMany(MessageSchema, [prompt, reply]);
    } catch (error) {
      // The chatroom was deleted between the sender's ownership check and this insert.
      if (error instanceof ForeignKeyConstraintViolationException) throw new ChatroomNotFound();
      throw error;
    }
  }

  async discardExchange(promptId: MessageId, replyId: MessageId): Promise<boolean> {
    if (!isUuid(promptId) || !isUuid(replyId)) return false;
    // One statement: the reply goes only while pending, and its prompt with it.
    const rows = await this.ems.current().execute<unknown[]>(DISCARD_EXCHANGE, [replyId, promptId]);
    return rows.length > 0;
  }

  async findById(id: MessageId): Promise<Message | null> {
    if (!isUuid(id)) return null;
    return (await this.rows(`${this.messages.select} where id = ?`, [id]))[0] ?? null;
  }

  async findInChatroom(chatroomId: ChatroomId, id: MessageId): Promise<Message | null> {
    if (!isUuid(chatroomId) || !isUuid(id)) return null;
    const sql = `${this.messages.select} where id = ? and chatroom_id = ?`;
    return (await this.rows(sql, [id, chatroomId]))[0] ?? null;
  }

  async page(chatroomId: ChatroomId, options: { limit: number; before?: Message }): Promise<MessagePage> {
    if (!isUuid(chatroomId)) return { messages: [], hasMore: false };
    const newestFirst = await this.newestBefore(chatroomId, options.before, options.limit + 1);
    return {
      messages: newestFirst.slice(0, options.limit).reverse(),
      hasMore: newestFirst.length > options.limit,
    };
  }

  async historyBefore(message: Message, limit: number): Promise<Message[]> {
    return (await this.newestBefore(message.chatroomId, message, limit, true)).reverse();
  }

  async complete(id: MessageId, content: string, tokenUsage: TokenUsage | null): Promise<boolean> {
    return this.settle(id, { status: 'completed', content, tokenUsage, error: null });
  }

  async fail(id: MessageId, error: string): Promise<boolean> {
    return this.settle(id, { status: 'failed', error });
  }

  async stop(id: MessageId, content: string): Promise<boolean> {
    return this.settle(id, { status: 'stopped', content });
  }

  async saveProgress(id: MessageId, content: string): Promise<boolean> {
    return this.settle(id, { content });
  }

  async pendingReplies(limit: number): Promise<PendingReply[]> {
    const rows = await this.ems
      .current()
      .execute<{ id: string; owner_id: string; created_at: Date | string }[]>(PENDING_REPLIES, [limit]);
    return rows.map((row) => ({
      replyId: row.id,
      userId: row.owner_id,
      createdAt: new Date(row.created_at),
    }));
  }

  /** Message.complete, .fail, .stop and .progress as one conditional write: only a pending reply changes. */
  private async settle(id: MessageId, change: Partial<MessageProps>): Promise<boolean> {
    if (!isUuid(id)) return false;
    return (await this.ems.current().nativeUpdate(MessageSchema, { id, status: 'pending' }, change)) > 0;
  }

  private newestBefore(
    chatroomId: ChatroomId,
    before: Message | undefined,
    limit: number,
    completedOnly = false,
  ): Promise<Message[]> {
    // A row comparison, so PostgreSQL walks (chatroom_id, created_at, id) backwards from the cursor.
    const sql = `${this.messages.select} where chatroom_id = ?${
      completedOnly ? " and status = 'completed'" : ''
    }${before ? ' and (created_at, id) < (?, ?)' : ''} order by created_at desc, id desc limit ?`;
    const params: unknown[] = [chatroomId, ...(before ? [before.createdAt, before.id] : []), limit];
    return this.rows(sql, params);
  }

  private async rows(sql: string, params: unknown[]): Promise<Message[]> {
    return (await this.ems.current().execute(sql, params)).map((row) => this.messages.fromRow(row));
  }
}
