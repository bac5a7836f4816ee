import type { Chatroom } from '#domain/chatroom/chatroom.ts';
import type { ChatroomId, UserId } from '#domain/shared/ids.ts';

/** Chatrooms, always looked up through their owner; an id that cannot exist (not a UUID) is simply not found. */
export interface ChatroomRepository {
  create(chatroom: Chatroom): Promise<void>;
  findById(id: ChatroomId): Promise<Chatroom | null>;
  findOwned(id: ChatroomId, ownerId: UserId): Promise<Chatroom | null>;
  /** The owner's chatrooms, newest first. */
  listOwned(ownerId: UserId): Promise<Chatroom[]>;
  save(chatroom: Chatroom): Promise<void>;
  /** Deletes the chatroom with its messages; false when it was not there. */
  delete(id: ChatroomId, ownerId: UserId): Promise<boolean>;
}
