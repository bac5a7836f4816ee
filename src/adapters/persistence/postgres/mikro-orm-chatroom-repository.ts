import type { ChatroomRepository, OwnedChatrooms } from '#application/ports/chatroom-repository.ts';
import type { Chatroom } from '#domain/chatroom/chatroom.ts';
import type { ChatroomId, UserId } from '#domain/shared/ids.ts';
import type { EntityManagers } from './entity-managers.ts';
import { CHATROOM_COLUMNS, type ChatroomRow, chatroomFromRow } from './rows.ts';
import { ChatroomSchema } from './schemas/chatroom.schema.ts';

/** Chatrooms; their messages go with them through the foreign key's ON DELETE CASCADE. */
export class MikroOrmChatroomRepository implements ChatroomRepository {
  private readonly ems: EntityManagers;

  constructor(ems: EntityManagers) {
    this.ems = ems;
  }

  async create(chatroom: Chatroom): Promise<void> {
    await this.ems.current().insert(ChatroomSchema, chatroom);
  }

  async findById(id: ChatroomId): Promise<Chatroom | null> {
    return (await this.rows(`select ${CHATROOM_COLUMNS} from chatrooms where id = ?`, [id]))[0] ?? null;
  }

  async findOwned(id: ChatroomId, ownerId: UserId): Promise<Chatroom | null> {
    const sql = `select ${CHATROOM_COLUMNS} from chatrooms where id = ? and owner_id = ?`;
    return (await this.rows(sql, [id, ownerId]))[0] ?? null;
  }

  async listOwned(ownerId: UserId): Promise<OwnedChatrooms> {
    const sql = `select ${CHATROOM_COLUMNS} from chatrooms where owner_id = ? order by created_at desc, id desc`;
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
    return (await this.ems.current().nativeDelete(ChatroomSchema, { id, ownerId })) > 0;
  }

  private async rows(sql: string, params: string[]): Promise<Chatroom[]> {
    return (await this.ems.current().execute<ChatroomRow[]>(sql, params)).map(chatroomFromRow);
  }
}
