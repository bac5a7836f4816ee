import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { applyMigrations } from '#adapters/persistence/postgres/apply-migrations.ts';
import { EntityManagers } from '#adapters/persistence/postgres/entity-managers.ts';
import { ormOptions } from '#adapters/persistence/postgres/orm-options.ts';
import { postgresRepositories } from '#adapters/persistence/postgres/repositories.ts';
import type { PersistenceFixture } from '#test/contract/fixtures.ts';
import { SilentLogger } from './silent-logger.ts';

const TABLES = 'users, otps, chatrooms, messages, subscriptions, processed_payment_events, daily_usage';

/** One migrated database per test file; each fixture empties it, so every test starts from nothing. */
export async function migratedPersistence(connection: Options) {
  const orm = await MikroORM.init(ormOptions(connection));
  await applyMigrations(orm, new SilentLogger());
  return {
    orm,
    async fixture(): Promise<PersistenceFixture> {
      await orm.em.fork().execute(`truncate ${TABLES} cascade`);
      return {
        ...postgresRepositories(new EntityManagers(orm)),
        // New repositories on new EntityManagers: nothing read back can come from an identity map.
        reopen: () => postgresRepositories(new EntityManagers(orm)),
        close: async () => {},
      };
    },
    close: () => orm.close(),
  };
}
