import { ChatroomNotFound } from '#domain/chatroom/chatroom-errors.ts';
import type { ChatroomId, UserId } from '#domain/shared/ids.ts';
import type { ChatroomRepository } from '../ports/chatroom-repository.ts';

export class DeleteChatroom {
  private readonly deps: { chatrooms: ChatroomRepository };

  constructor(deps: { chatrooms: ChatroomRepository }) {
    this.deps = deps;
  }

  async execute(input: { userId: UserId; chatroomId: ChatroomId }): Promise<void> {
    if (!(await this.deps.chatrooms.delete(input.chatroomId, input.userId))) throw new ChatroomNotFound();
  }
}
