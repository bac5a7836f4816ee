import type { UserId } from '#domain/shared/ids.ts';
import type { MobileNumber } from '#domain/user/mobile-number.ts';
import type { User } from '#domain/user/user.ts';

/** Users by id and by normalized mobile number; an id that cannot exist (not a UUID) is simply not found. */
export interface UserRepository {
  /** Inserts a new user; throws MobileTaken when the mobile is registered already (also under a race). */
  create(user: User): Promise<void>;
  findById(id: UserId): Promise<User | null>;
  findByMobile(mobile: MobileNumber): Promise<User | null>;
  /** Stores the new password in one atomic write (User.withPassword: older tokens are revoked); returns the user now. */
  updatePassword(id: UserId, passwordHash: string): Promise<User>;
  delete(id: UserId): Promise<void>;
}
