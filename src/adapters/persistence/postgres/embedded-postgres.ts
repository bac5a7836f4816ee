import type { Options } from '@mikro-orm/postgresql';
import { PGliteDialect, type PGliteDialectConfig } from 'kysely';
import { type EmbeddedDatabase, openEmbedded } from './embedded-database.ts';

/** MikroORM's options for an open embedded database (Kysely's PGlite dialect on its thread). */
export function embeddedOptions({ thread }: EmbeddedDatabase): Options {
  const pglite: PGliteDialectConfig['pglite'] = {
    get closed() {
      return thread.closed;
    },
    // Open once handed over: the dialect waits for nothing.
    ready: true,
    waitReady: Promise.resolve(),
    query: thread.query,
    transaction: thread.transaction,
    close: () => thread.close(),
  };
  return { dbName: 'postgres', driverOptions: new PGliteDialect({ pglite }) };
}

/** openEmbedded, then MikroORM's options for it. */
export async function embeddedPostgres(
  dataDir?: string,
  options: { template?: boolean } = {},
): Promise<{ options: Options; describe: string }> {
  const database = await openEmbedded(dataDir, options);
  return { options: embeddedOptions(database), describe: database.describe };
}
