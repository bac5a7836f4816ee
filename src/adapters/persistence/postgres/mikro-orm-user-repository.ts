import { raw } from '@mikro-orm/core';
import type { UserRepository } from '#application/ports/user-repository.ts';
import type { UserId } from '#domain/shared/ids.ts';
import type { MobileNumber } from '#domain/user/mobile-number.ts';
import type { User } from '#domain/user/user.ts';
import { MobileTaken } from '#domain/user/user-errors.ts';
import type { EntityManagers } from './entity-managers.ts';
import { USER_COLUMNS, type UserRow, userFromRow } from './rows.ts';
import { UserSchema } from './schemas/user.schema.ts';
import { violatesUnique } from './unique-violation.ts';

/** Users; reads are plain statements (see rows.ts), so a request never sees a stale identity-map copy. */
export class MikroOrmUserRepository implements UserRepository {
  private readonly ems: EntityManagers;

  constructor(ems: EntityManagers) {
    this.ems = ems;
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

  findById(id: UserId): Promise<User | null> {
    return this.one(`select ${USER_COLUMNS} from users where id = ?`, id);
  }

  findByMobile(mobile: MobileNumber): Promise<User | null> {
    return this.one(`select ${USER_COLUMNS} from users where mobile = ?`, mobile);
  }

  async updatePassword(id: UserId, passwordHash: string): Promise<number> {
    const rows = await this.ems
      .current()
      .qb(UserSchema)
      .update({ passwordHash, tokenVersion: raw('token_version + 1') })
      .where({ id })
      .returning(['tokenVersion'])
      .execute('all');
    const [row] = rows as { tokenVersion: number }[];
    if (!row) throw new Error(`No user ${id} to change the password of`);
    return row.tokenVersion;
  }

  async delete(id: UserId): Promise<void> {
    await this.ems.current().nativeDelete(UserSchema, { id });
  }

  private async one(sql: string, param: string): Promise<User | null> {
    const [row] = await this.ems.current().execute<UserRow[]>(sql, [param]);
    return row ? userFromRow(row) : null;
  }
}
