import { ChatroomNotFound } from '#domain/chatroom/chatroom-errors.ts';
import { type ChatroomId, isUuid, type UserId } from '#domain/shared/ids.ts';
import type { ChatroomRepository } from '../ports/chatroom-repository.ts';

export class DeleteChatroom {
  private readonly deps: { chatrooms: ChatroomRepository };

  constructor(deps: { chatrooms: ChatroomRepository }) {
    this.deps = deps;
  }

  async execute(input: { userId: UserId; chatroomId: ChatroomId }): Promise<void> {
    const deleted =
      isUuid(input.chatroomId) && (await this.deps.chatrooms.delete(input.chatroomId, input.userId));
    if (!deleted) throw new ChatroomNotFound();
  }
}
