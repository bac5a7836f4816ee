import type { Chatroom } from '#domain/chatroom/chatroom.ts';
import type { ChatroomId, UserId } from '#domain/shared/ids.ts';

/** The owner's chatrooms, newest first, and whether a cache served them rather than the store (the API says so). */
export interface OwnedChatrooms {
  /** Possibly shared with other reads of the same list: never changed in place. */
  chatrooms: readonly Chatroom[];
  fromCache: boolean;
}

/** Chatrooms, always looked up through their owner; an id that cannot exist (not a UUID) is simply not found. */
export interface ChatroomRepository {
  create(chatroom: Chatroom): Promise<void>;
  findById(id: ChatroomId): Promise<Chatroom | null>;
  findOwned(id: ChatroomId, ownerId: UserId): Promise<Chatroom | null>;
  listOwned(ownerId: UserId): Promise<OwnedChatrooms>;
  save(chatroom: Chatroom): Promise<void>;
  /** Deletes the chatroom with its messages; false when it was not there. */
  delete(id: ChatroomId, ownerId: UserId): Promise<boolean>;
}
