import type { UserId } from '#domain/shared/ids.ts';
import type { ChatroomRepository, OwnedChatrooms } from '../ports/chatroom-repository.ts';

export class ListChatrooms {
  private readonly deps: { chatrooms: ChatroomRepository };

  constructor(deps: { chatrooms: ChatroomRepository }) {
    this.deps = deps;
  }

  execute(input: { userId: UserId }): Promise<OwnedChatrooms> {
    return this.deps.chatrooms.listOwned(input.userId);
  }
}
