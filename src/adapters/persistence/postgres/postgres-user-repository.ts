import type { UserRepository } from '#application/ports/user-repository.ts';
import type { UserId } from '#domain/shared/ids.ts';
import type { MobileNumber } from '#domain/user/mobile-number.ts';
import type { User } from '#domain/user/user.ts';
import { MobileTaken } from '#domain/user/user-errors.ts';
import type { EntityManagers } from './entity-managers.ts';
import { UserSchema } from './schemas/user.schema.ts';
import type { TableRows } from './table-rows.ts';
import { violatesUnique } from './unique-violation.ts';
import { isUuid } from './uuid.ts';

/** Users; reads are plain statements (see TableRows), so a request never sees a stale identity-map copy. */
export class PostgresUserRepository implements UserRepository {
  private readonly ems: EntityManagers;
  private readonly users: TableRows<User>;

  constructor(ems: EntityManagers) {
    this.ems = ems;
    this.users = ems.rowsOf(UserSchema);
  }

  async create(user: User): Promise<void> {
    try {
      await this.ems.current().insert(UserSchema, user);
    } catch (error) {
      // The unique index decides races between two sign-ups, not a read before the insert.
      if (violatesUnique(error, 'users_mobile_unique')) throw new MobileTaken();
      throw error;
    }
  }

  async findById(id: UserId): Promise<User | null> {
    return isUuid(id) ? this.one(`${this.users.select} where id = ?`, [id]) : null;
  }

  findByMobile(mobile: MobileNumber): Promise<User | null> {
    return this.one(`${this.users.select} where mobile = ?`, [mobile]);
  }

  async updatePassword(id: UserId, passwordHash: string): Promise<User> {
    // User.withPassword in one statement, so parallel changes each move the token version on.
    const sql = `update users set password_hash = ?, token_version = token_version + 1 where id = ? returning ${this.users.columns}`;
    const changed = isUuid(id) ? await this.one(sql, [passwordHash, id]) : null;
    if (!changed) throw new Error(`No user ${id} to change the password of`);
    return changed;
  }

  async delete(id: UserId): Promise<void> {
    if (isUuid(id)) await this.ems.current().nativeDelete(UserSchema, { id });
  }

  private async one(sql: string, params: string[]): Promise<User | null> {
    const [row] = await this.ems.query<Record<string, unknown>>(sql, params);
    return row ? this.users.fromRow(row) : null;
  }
}
