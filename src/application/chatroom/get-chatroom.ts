import type { Chatroom } from '#domain/chatroom/chatroom.ts';
import type { ChatroomId, UserId } from '#domain/shared/ids.ts';
import type { MessagePage } from '../ports/message-repository.ts';
import { DEFAULT_PAGE_SIZE, type MessageReadDeps } from './list-messages.ts';
import { ownedChatroom } from './owned-chatroom.ts';

/** A chatroom with its latest messages, oldest first. */
export class GetChatroom {
  private readonly deps: MessageReadDeps;

  constructor(deps: MessageReadDeps) {
    this.deps = deps;
  }

  async execute(input: {
    userId: UserId;
    chatroomId: ChatroomId;
  }): Promise<{ chatroom: Chatroom } & MessagePage> {
    const chatroom = await ownedChatroom(this.deps, input.chatroomId, input.userId);
    const page = await this.deps.messages.page(chatroom.id, { limit: DEFAULT_PAGE_SIZE });
    return { chatroom, ...page };
  }
}
