import { MessageNotFound } from '#domain/chatroom/chatroom-errors.ts';
import type { Message } from '#domain/chatroom/message.ts';
import type { ChatroomId, MessageId, UserId } from '#domain/shared/ids.ts';
import { ownedChatroom } from '../chatroom/owned-chatroom.ts';
import type { ChatroomRepository } from '../ports/chatroom-repository.ts';
import type { MessageRepository } from '../ports/message-repository.ts';

/** A model reply in one of the caller's chatrooms; a user message, or anything not theirs, is "not found". */
export async function ownedReply(
  deps: { chatrooms: ChatroomRepository; messages: MessageRepository },
  input: { userId: UserId; chatroomId: ChatroomId; messageId: MessageId },
): Promise<Message> {
  const chatroom = await ownedChatroom(deps, input.chatroomId, input.userId);
  const reply = await deps.messages.findInChatroom(chatroom.id, input.messageId);
  if (reply?.role !== 'model') throw new MessageNotFound();
  return reply;
}
