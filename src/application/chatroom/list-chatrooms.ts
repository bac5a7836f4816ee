import type { Chatroom } from '#domain/chatroom/chatroom.ts';
import type { UserId } from '#domain/shared/ids.ts';
import type { ChatroomRepository } from '../ports/chatroom-repository.ts';
import type { ChatroomListCache } from './chatroom-list-cache.ts';

export class ListChatrooms {
  private readonly deps: { chatrooms: ChatroomRepository; listCache: ChatroomListCache };

  constructor(deps: { chatrooms: ChatroomRepository; listCache: ChatroomListCache }) {
    this.deps = deps;
  }

  execute(input: { userId: UserId }): Promise<{ chatrooms: Chatroom[]; hit: boolean }> {
    return this.deps.listCache.read(input.userId, () => this.deps.chatrooms.listOwned(input.userId));
  }
}
