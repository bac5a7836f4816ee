import type { UserRepository } from '#application/ports/user-repository.ts';
import type { UserId } from '#domain/shared/ids.ts';
import type { MobileNumber } from '#domain/user/mobile-number.ts';
import type { User } from '#domain/user/user.ts';
import { MobileTaken } from '#domain/user/user-errors.ts';
import { copy, copyOrNull, type InMemoryStore } from './in-memory-store.ts';

/** Users in a map; each method reads and writes without awaiting, so it is atomic within the process. */
export class InMemoryUserRepository implements UserRepository {
  private readonly store: InMemoryStore;

  constructor(store: InMemoryStore) {
    this.store = store;
  }

  async create(user: User): Promise<void> {
    if (this.byMobile(user.mobile)) throw new MobileTaken();
    this.store.users.set(user.id, copy(user));
  }

  async findById(id: UserId): Promise<User | null> {
    return copyOrNull(this.store.users.get(id));
  }

  async findByMobile(mobile: MobileNumber): Promise<User | null> {
    return copyOrNull(this.byMobile(mobile));
  }

  async updatePassword(id: UserId, passwordHash: string): Promise<User> {
    const user = this.store.users.get(id);
    if (!user) throw new Error(`No user ${id}`);
    const changed = user.withPassword(passwordHash);
    this.store.users.set(id, changed);
    return copy(changed);
  }

  /** Removes the user with everything they own, as the database's cascades do. */
  async delete(id: UserId): Promise<void> {
    this.store.users.delete(id);
    this.store.subscriptions.delete(id);
    for (const chatroom of [...this.store.chatrooms.values()]) {
      if (chatroom.ownerId !== id) continue;
      this.store.chatrooms.delete(chatroom.id);
      for (const message of [...this.store.messages.values()]) {
        if (message.chatroomId === chatroom.id) this.store.messages.delete(message.id);
      }
    }
  }

  private byMobile(mobile: MobileNumber): User | undefined {
    for (const user of this.store.users.values()) if (user.mobile === mobile) return user;
    return undefined;
  }
}
