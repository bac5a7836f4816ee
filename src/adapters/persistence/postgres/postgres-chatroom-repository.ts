import type { ChatroomRepository, OwnedChatrooms } from '#application/ports/chatroom-repository.ts';
import type { Chatroom } from '#domain/chatroom/chatroom.ts';
import type { ChatroomId, UserId } from '#domain/shared/ids.ts';
import type { EntityManagers } from './entity-managers.ts';
import { ChatroomSchema } from './schemas/chatroom.schema.ts';
import type { TableRows } from './table-rows.ts';
import { isUuid } from './uuid.ts';

/** Chatrooms; their messages go with them through the foreign key's ON DELETE CASCADE. */
export class PostgresChatroomRepository implements ChatroomRepository {
  private readonly ems: EntityManagers;
  private readonly chatrooms: TableRows<Chatroom>;

  constructor(ems: EntityManagers) {
    this.ems = ems;
    this.chatrooms = ems.rowsOf(ChatroomSchema);
  }

  async create(chatroom: Chatroom): Promise<void> {
    await this.ems.current().insert(ChatroomSchema, chatroom);
  }

  async findById(id: ChatroomId): Promise<Chatroom | null> {
    if (!isUuid(id)) return null;
    return (await this.rows(`${this.chatrooms.select} where id = ?`, [id]))[0] ?? null;
  }

  async findOwned(id: ChatroomId, ownerId: UserId): Promise<Chatroom | null> {
    if (!isUuid(id) || !isUuid(ownerId)) return null;
    return (
      (await this.rows(`${this.chatrooms.select} where id = ? and owner_id = ?`, [id, ownerId]))[0] ?? null
    );
  }

  async listOwned(ownerId: UserId): Promise<OwnedChatrooms> {
    if (!isUuid(ownerId)) return { chatrooms: [], fromCache: false };
    const sql = `${this.chatrooms.select} where owner_id = ? order by created_at desc, id desc`;
    return { chatrooms: await this.rows(sql, [ownerId]), fromCache: false };
  }

  async save(chatroom: Chatroom): Promise<void> {
    await this.ems
      .current()
      .nativeUpdate(
        ChatroomSchema,
        { id: chatroom.id },
        { title: chatroom.title, updatedAt: chatroom.updatedAt },
      );
  }

  async delete(id: ChatroomId, ownerId: UserId): Promise<boolean> {
    if (!isUuid(id) || !isUuid(ownerId)) return false;
    return (await this.ems.current().nativeDelete(ChatroomSchema, { id, ownerId })) > 0;
  }

  private async rows(sql: string, params: string[]): Promise<Chatroom[]> {
    return (await this.ems.query<Record<string, unknown>>(sql, params)).map((row) =>
      this.chatrooms.fromRow(row),
    );
  }
}
