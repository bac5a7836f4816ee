import type { ChatroomRepository } from '#application/ports/chatroom-repository.ts';
import type { Chatroom } from '#domain/chatroom/chatroom.ts';
import type { ChatroomId, UserId } from '#domain/shared/ids.ts';
import type { EntityManagers } from './entity-managers.ts';
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

  findById(id: ChatroomId): Promise<Chatroom | null> {
    return this.ems.current().findOne(ChatroomSchema, { id }, { disableIdentityMap: true });
  }

  findOwned(id: ChatroomId, ownerId: UserId): Promise<Chatroom | null> {
    return this.ems.current().findOne(ChatroomSchema, { id, ownerId }, { disableIdentityMap: true });
  }

  listOwned(ownerId: UserId): Promise<Chatroom[]> {
    return this.ems
      .current()
      .find(
        ChatroomSchema,
        { ownerId },
        { orderBy: { createdAt: 'desc', id: 'desc' }, disableIdentityMap: true },
      );
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
}
