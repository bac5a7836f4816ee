import { MessageNotFound } from '#domain/chatroom/chatroom-errors.ts';
import type { Message } from '#domain/chatroom/message.ts';
import { ValidationFailed } from '#domain/shared/domain-error.ts';
import type { ChatroomId, MessageId, UserId } from '#domain/shared/ids.ts';
import type { ChatroomRepository } from '../ports/chatroom-repository.ts';
import type { MessagePage, MessageRepository } from '../ports/message-repository.ts';
import { ownedChatroom } from './owned-chatroom.ts';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

export interface MessageReadDeps {
  chatrooms: ChatroomRepository;
  messages: MessageRepository;
}

/**
 * Pages backwards through a chatroom: the `limit` messages before `before`, oldest first. The edge checks the
 * shape (an integer, a UUID); the rules are here: the page size range, and a cursor in this chatroom.
 */
export class ListMessages {
  private readonly deps: MessageReadDeps;

  constructor(deps: MessageReadDeps) {
    this.deps = deps;
  }

  async execute(input: {
    userId: UserId;
    chatroomId: ChatroomId;
    before?: MessageId | undefined;
    limit?: number | undefined;
  }): Promise<MessagePage> {
    const limit = input.limit ?? DEFAULT_PAGE_SIZE;
    if (limit < 1 || limit > MAX_PAGE_SIZE) {
      throw new ValidationFailed('limit', `must be from 1 to ${MAX_PAGE_SIZE}`);
    }
    const chatroom = await ownedChatroom(this.deps, input.chatroomId, input.userId);
    let before: Message | undefined;
    if (input.before !== undefined) {
      const found = await this.deps.messages.findInChatroom(chatroom.id, input.before);
      if (!found) throw new ValidationFailed('before', 'must be the id of a message in this chatroom');
      before = found;
    }
    return this.deps.messages.page(chatroom.id, before ? { limit, before } : { limit });
  }
}

export class GetMessage {
  private readonly deps: MessageReadDeps;

  constructor(deps: MessageReadDeps) {
    this.deps = deps;
  }

  async execute(input: { userId: UserId; chatroomId: ChatroomId; messageId: MessageId }): Promise<Message> {
    const chatroom = await ownedChatroom(this.deps, input.chatroomId, input.userId);
    const message = await this.deps.messages.findInChatroom(chatroom.id, input.messageId);
    if (!message) throw new MessageNotFound();
    return message;
  }
}
