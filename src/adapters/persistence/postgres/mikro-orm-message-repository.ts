import { raw } from '@mikro-orm/core';
import type { MessagePage, MessageRepository } from '#application/ports/message-repository.ts';
import type { Message, TokenUsage } from '#domain/chatroom/message.ts';
import type { ChatroomId, MessageId } from '#domain/shared/ids.ts';
import type { EntityManagers } from './entity-managers.ts';
import { MessageSchema } from './schemas/message.schema.ts';

/** Messages, paged by the keyset (created_at, id) on the index messages_chatroom_created_id_idx. */
export class MikroOrmMessageRepository implements MessageRepository {
  private readonly ems: EntityManagers;

  constructor(ems: EntityManagers) {
    this.ems = ems;
  }

  async addExchange(prompt: Message, reply: Message): Promise<void> {
    // One multi-row INSERT: the prompt and its pending reply are stored together or not at all.
    await this.ems.current().insertMany(MessageSchema, [prompt, reply]);
  }

  findById(id: MessageId): Promise<Message | null> {
    return this.ems.current().findOne(MessageSchema, { id }, { disableIdentityMap: true });
  }

  findInChatroom(chatroomId: ChatroomId, id: MessageId): Promise<Message | null> {
    return this.ems.current().findOne(MessageSchema, { id, chatroomId }, { disableIdentityMap: true });
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
  ) {
    const where = {
      chatroomId,
      ...(completedOnly ? { status: 'completed' as const } : {}),
      // A row comparison, so PostgreSQL walks the index backwards from the cursor.
      ...(before ? { [raw('(created_at, id)')]: { $lt: raw('(?, ?)', [before.createdAt, before.id]) } } : {}),
    };
    return this.ems.current().find(MessageSchema, where, {
      orderBy: { createdAt: 'desc', id: 'desc' },
      limit,
      disableIdentityMap: true,
    });
  }
}
