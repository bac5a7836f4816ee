import type { UserId } from '#domain/shared/ids.ts';
import type { MobileNumber } from '#domain/user/mobile-number.ts';
import type { User } from '#domain/user/user.ts';

/** Users by id and by normalized mobile number. */
export interface UserRepository {
  /** Inserts a new user; throws MobileTaken when the mobile is registered already (also under a race). */
  create(user: User): Promise<void>;
  findById(id: UserId): Promise<User | null>;
  findByMobile(mobile: MobileNumber): Promise<User | null>;
  /** Stores the hash and bumps the token version in one atomic write (revoking older tokens); returns the new version. */
  updatePassword(id: UserId, passwordHash: string): Promise<number>;
  delete(id: UserId): Promise<void>;
}
