import type { Options } from '@mikro-orm/postgresql';
import { type PGlite, PGliteDialect, type PGliteDialectConfig } from 'kysely';
import { type EmbeddedDatabase, openEmbedded } from './embedded-database.ts';

/**
 * MikroORM's options for an embedded database, open or still opening (Kysely's PGlite dialect on its thread). The
 * dialect takes the database at its first query: MikroORM.init, which queries nothing, can discover the mappings on
 * this thread while the database opens on its own.
 */
export function embeddedOptions(database: EmbeddedDatabase | Promise<EmbeddedDatabase>): Options {
  const pglite: PGliteDialectConfig['pglite'] =
    database instanceof Promise ? async () => dialectView(await database) : dialectView(database);
  return { dbName: 'postgres', driverOptions: new PGliteDialect({ pglite }) };
}

/** The thread as the dialect sees a PGlite; closing the ORM closes it (once the dialect has taken it). */
function dialectView({ thread }: EmbeddedDatabase): PGlite {
  return {
    get closed() {
      return thread.closed;
    },
    // Open once handed over: the dialect waits for nothing more.
    ready: true,
    waitReady: Promise.resolve(),
    query: thread.query,
    transaction: thread.transaction,
    close: () => thread.close(),
  };
}

/** openEmbedded, then MikroORM's options for it. */
export async function embeddedPostgres(
  dataDir?: string,
  options: { template?: boolean } = {},
): Promise<{ options: Options; describe: string }> {
  const database = await openEmbedded(dataDir, options);
  return { options: embeddedOptions(database), describe: database.describe };
}
