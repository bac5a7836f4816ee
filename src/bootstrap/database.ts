import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { embeddedPostgres } from '#adapters/persistence/postgres/embedded-postgres.ts';
import { EntityManagers } from '#adapters/persistence/postgres/entity-managers.ts';
import { ormOptions } from '#adapters/persistence/postgres/orm-options.ts';
import { postgresRepositories } from '#adapters/persistence/postgres/repositories.ts';
import type { Logger } from '#application/ports/logger.ts';
import type { Config } from './config.ts';
import type { Persistence } from './persistence.ts';

/** Connects to PostgreSQL (DATABASE_URL) or starts the embedded one, and applies pending migrations unless told not to. */
export async function openDatabase(config: Config['database'], logger: Logger): Promise<Persistence> {
  const connection = config.url
    ? postgresServer(config.url, config.poolMax)
    : await embeddedPostgres(config.dataDir);
  const orm = await MikroORM.init(ormOptions(connection.options));
  try {
    if (config.migrateOnStart) await applyMigrations(orm, logger);
  } catch (error) {
    await orm.close();
    throw error;
  }
  const ems = new EntityManagers(orm);
  return {
    repositories: postgresRepositories(ems),
    scope: (work) => ems.scope(work),
    healthCheck: {
      name: 'database',
      async check() {
        await ems.current().execute('select 1');
      },
    },
    describe: connection.describe,
    close: () => orm.close(),
  };
}

/** Applies the committed migrations not applied yet; returns their names. */
export async function applyMigrations(orm: MikroORM, logger: Logger): Promise<string[]> {
  const applied = (await orm.migrator.up()).map((migration) => migration.name);
  if (applied.length > 0) logger.info({ migrations: applied }, 'database migrations applied');
  return applied;
}

function postgresServer(url: string, poolMax: number): { options: Options; describe: string } {
  const { hostname, port, pathname } = new URL(url);
  return {
    options: { clientUrl: url, pool: { max: poolMax } },
    describe: `postgres at ${hostname}:${port || 5432}${pathname}`,
  };
}
