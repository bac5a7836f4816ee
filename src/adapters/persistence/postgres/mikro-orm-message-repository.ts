import { ForeignKeyConstraintViolationException } from '@mikro-orm/core';
import type { MessagePage, MessageRepository } from '#application/ports/message-repository.ts';
import { ChatroomNotFound } from '#domain/chatroom/chatroom-errors.ts';
import type { Message, TokenUsage } from '#domain/chatroom/message.ts';
import type { ChatroomId, MessageId } from '#domain/shared/ids.ts';
import type { EntityManagers } from './entity-managers.ts';
import { MESSAGE_COLUMNS, type MessageRow, messageFromRow } from './rows.ts';
import { MessageSchema } from './schemas/message.schema.ts';

/** Messages, paged by the keyset (created_at, id) on the index messages_chatroom_created_id_idx. */
export class MikroOrmMessageRepository implements MessageRepository {
  private readonly ems: EntityManagers;

  constructor(ems: EntityManagers) {
    this.ems = ems;
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

  async findById(id: MessageId): Promise<Message | null> {
    return (await this.rows(`select ${MESSAGE_COLUMNS} from messages where id = ?`, [id]))[0] ?? null;
  }

  async findInChatroom(chatroomId: ChatroomId, id: MessageId): Promise<Message | null> {
    const sql = `select ${MESSAGE_COLUMNS} from messages where id = ? and chatroom_id = ?`;
    return (await this.rows(sql, [id, chatroomId]))[0] ?? null;
  }

  async page(chatroomId: ChatroomId, options: { limit: number; before?: Message }): Promise<MessagePage> {
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
    const changed = await this.ems
      .current()
      .nativeUpdate(
        MessageSchema,
        { id, status: 'pending' },
        { status: 'completed', content, tokenUsage, error: null },
      );
    return changed > 0;
  }

  async fail(id: MessageId, error: string): Promise<boolean> {
    const changed = await this.ems
      .current()
      .nativeUpdate(MessageSchema, { id, status: 'pending' }, { status: 'failed', error });
    return changed > 0;
  }

  async pendingReplies(limit: number): Promise<MessageId[]> {
    const rows = await this.ems
      .current()
      .find(
        MessageSchema,
        { status: 'pending' },
        { fields: ['id'], orderBy: { createdAt: 'asc', id: 'asc' }, limit, disableIdentityMap: true },
      );
    return rows.map((row) => row.id);
  }

  private newestBefore(
    chatroomId: ChatroomId,
    before: Message | undefined,
    limit: number,
    completedOnly = false,
  ): Promise<Message[]> {
    // A row comparison, so PostgreSQL walks (chatroom_id, created_at, id) backwards from the cursor.
    const sql = `select ${MESSAGE_COLUMNS} from messages where chatroom_id = ?${
      completedOnly ? " and status = 'completed'" : ''
    }${before ? ' and (created_at, id) < (?, ?)' : ''} order by created_at desc, id desc limit ?`;
    const params: unknown[] = [chatroomId, ...(before ? [before.createdAt, before.id] : []), limit];
    return this.rows(sql, params);
  }

  private async rows(sql: string, params: unknown[]): Promise<Message[]> {
    return (await this.ems.current().execute<MessageRow[]>(sql, params)).map(messageFromRow);
  }
}
