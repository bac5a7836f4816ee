import type { Chatroom } from '#domain/chatroom/chatroom.ts';
import { ChatroomNotFound } from '#domain/chatroom/chatroom-errors.ts';
import type { ChatroomId, UserId } from '#domain/shared/ids.ts';
import type { ChatroomRepository } from '../ports/chatroom-repository.ts';

/** The caller's chatroom; one that does not exist and one owned by someone else are both "not found". */
export async function ownedChatroom(
  deps: { chatrooms: ChatroomRepository },
  chatroomId: ChatroomId,
  userId: UserId,
): Promise<Chatroom> {
  const chatroom = await deps.chatrooms.findOwned(chatroomId, userId);
  if (!chatroom) throw new ChatroomNotFound();
  return chatroom;
}
