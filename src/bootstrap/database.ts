import { MikroORM, type Options } from '@mikro-orm/postgresql';
import type { HealthCheck } from '#adapters/http/health-check.ts';
import { applyMigrations } from '#adapters/persistence/postgres/apply-migrations.ts';
import { type EmbeddedDatabase, openEmbedded } from '#adapters/persistence/postgres/embedded-database.ts';
import { EntityManagers } from '#adapters/persistence/postgres/entity-managers.ts';
import { ormOptions } from '#adapters/persistence/postgres/orm-options.ts';
import type { Logger } from '#application/ports/logger.ts';
import type { Config } from './config.ts';

/** An open PostgreSQL connection (pool or embedded database) for the MikroORM adapters. */
export interface Database {
  ems: EntityManagers;
  healthCheck: HealthCheck;
  /** For the start-up line, e.g. "postgres at 127.0.0.1:5432/app". */
  describe: string;
  close(): Promise<void>;
}

/**
 * Connects to PostgreSQL (DATABASE_URL) or opens the embedded one (or takes `embedded`, already being opened), and
 * applies pending migrations unless told not to.
 */
export async function openDatabase(
  config: Config['database'],
  logger: Logger,
  embedded?: Promise<EmbeddedDatabase>,
): Promise<Database> {
  const connection = config.url
    ? postgresServer(config.url, config.poolMax)
    : await embeddedDatabase(embedded ?? openEmbedded(config.dataDir));
  const { opening } = connection;
  // MikroORM.init queries nothing: an embedded database still opening (on its own thread) is waited for after it.
  const orm = await MikroORM.init(ormOptions(connection.options)).catch(async (error: unknown) => {
    await opening?.then((database) => database.thread.close()).catch(() => {});
    throw error;
  });
  const close = async () => {
    await orm.close();
    // The dialect closes the embedded database only once it has taken it, i.e. after a first query.
    const database = await opening?.catch(() => undefined);
    if (database && !database.thread.closed) await database.thread.close();
  };
  let describe: string;
  try {
    describe = (await opening)?.describe ?? connection.describe ?? '';
    if (config.migrateOnStart) await applyMigrations(orm, logger);
  } catch (error) {
    await close().catch(() => {});
    throw error;
  }
  const ems = new EntityManagers(orm);
  return {
    ems,
    healthCheck: {
      name: 'database',
      async check() {
        await ems.current().execute('select 1');
      },
    },
    describe,
    close,
  };
}

/**
 * MikroORM's options for the embedded database, while it opens: Kysely's PGlite dialect, loaded only when the service
 * runs it, takes the database at its first query.
 */
async function embeddedDatabase(
  opening: Promise<EmbeddedDatabase>,
): Promise<{ options: Options; describe?: undefined; opening: Promise<EmbeddedDatabase> }> {
  const { embeddedOptions } = await import('#adapters/persistence/postgres/embedded-postgres.ts');
  return { options: embeddedOptions(opening), opening };
}

/**
 * How long a query waits for a pooled connection (all busy, or the server not answering a connect) before it fails
 * with 503 instead of hanging: pg waits for ever by default.
 */
const CONNECTION_WAIT_MS = 5000;

function postgresServer(
  url: string,
  poolMax: number,
): { options: Options; describe: string; opening?: undefined } {
  const { hostname, port, pathname } = new URL(url);
  return {
    options: {
      clientUrl: url,
      pool: { max: poolMax },
      driverOptions: { connectionTimeoutMillis: CONNECTION_WAIT_MS },
    },
    describe: `postgres at ${hostname}:${port || 5432}${pathname}`,
  };
}
