import { Migrator } from '@mikro-orm/migrations';
import type { Options } from '@mikro-orm/postgresql';
import { ENTITIES } from './schemas/index.ts';

export const MIGRATIONS_PATH = `${import.meta.dirname}/migrations`;

/** What every connection shares: the mappings, the committed migrations, and no global EntityManager. */
export function ormOptions(connection: Options): Options {
  return {
    entities: ENTITIES,
    extensions: [Migrator],
    migrations: {
      path: MIGRATIONS_PATH,
      glob: 'Migration*.ts',
      // The migrations are the source of truth; no snapshot file is written next to them at run time.
      snapshot: false,
      snapshotOnMigrate: false,
      silent: true,
    },
    // The one function (reply_context) is the migrations' too: the schema diff leaves the database's functions alone
    // instead of dropping them for want of a declaration in the mappings.
    schemaGenerator: { ignoreRoutines: true },
    allowGlobalContext: false,
    ...connection,
  };
}
