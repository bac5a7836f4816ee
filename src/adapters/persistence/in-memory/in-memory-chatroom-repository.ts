import type { ChatroomRepository, OwnedChatrooms } from '#application/ports/chatroom-repository.ts';
import type { Chatroom } from '#domain/chatroom/chatroom.ts';
import type { ChatroomId, UserId } from '#domain/shared/ids.ts';
import { copy, copyOrNull, type InMemoryStore } from './in-memory-store.ts';

export class InMemoryChatroomRepository implements ChatroomRepository {
  private readonly store: InMemoryStore;

  constructor(store: InMemoryStore) {
    this.store = store;
  }

  async create(chatroom: Chatroom): Promise<void> {
    if (this.store.chatrooms.has(chatroom.id)) throw new Error(`Chatroom ${chatroom.id} exists already`);
    this.store.chatrooms.set(chatroom.id, copy(chatroom));
  }

  async findById(id: ChatroomId): Promise<Chatroom | null> {
    return copyOrNull(this.store.chatrooms.get(id));
  }

  async findOwned(id: ChatroomId, ownerId: UserId): Promise<Chatroom | null> {
    const chatroom = this.store.chatrooms.get(id);
    return chatroom?.ownerId === ownerId ? copy(chatroom) : null;
  }

  async listOwned(ownerId: UserId): Promise<OwnedChatrooms> {
    const chatrooms = [...this.store.chatrooms.values()]
      .filter((chatroom) => chatroom.ownerId === ownerId)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
      .map(copy);
    return { chatrooms, fromCache: false };
  }

  async save(chatroom: Chatroom): Promise<void> {
    if (!this.store.chatrooms.has(chatroom.id)) throw new Error(`No chatroom ${chatroom.id}`);
    this.store.chatrooms.set(chatroom.id, copy(chatroom));
  }

  async delete(id: ChatroomId, ownerId: UserId): Promise<boolean> {
    if (this.store.chatrooms.get(id)?.ownerId !== ownerId) return false;
    this.store.chatrooms.delete(id);
    for (const message of [...this.store.messages.values()]) {
      if (message.chatroomId === id) this.store.messages.delete(message.id);
    }
    return true;
  }
}
