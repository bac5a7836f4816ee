import { ChatroomNotFound } from '#domain/chatroom/chatroom-errors.ts';
import type { ChatroomId, UserId } from '#domain/shared/ids.ts';
import type { ChatroomRepository } from '../ports/chatroom-repository.ts';
import type { ChatroomListCache } from './chatroom-list-cache.ts';

export class DeleteChatroom {
  private readonly deps: { chatrooms: ChatroomRepository; listCache: ChatroomListCache };

  constructor(deps: { chatrooms: ChatroomRepository; listCache: ChatroomListCache }) {
    this.deps = deps;
  }

  async execute(input: { userId: UserId; chatroomId: ChatroomId }): Promise<void> {
    if (!(await this.deps.chatrooms.delete(input.chatroomId, input.userId))) throw new ChatroomNotFound();
    await this.deps.listCache.invalidate(input.userId);
  }
}
