import { resolve } from 'node:path';
import { PGlite, type QueryOptions, type Results, type Transaction } from '@electric-sql/pglite';
import type { Options } from '@mikro-orm/postgresql';
import { PGliteDialect } from 'kysely';
import { lockDataDir } from './data-dir-lock.ts';
import { ownerOnlyDirectory } from './owner-only-directory.ts';

type Queryable = Pick<Transaction, 'query' | 'exec'>;

/**
 * Kysely's PGlite driver sends every statement as a prepared statement, which PostgreSQL refuses for the
 * multi-statement scripts of schema changes and migrations; those (they never carry parameters) go through exec.
 */
function runningScripts(db: Queryable): Queryable['query'] {
  return async <T>(sql: string, params: unknown[] = [], options?: QueryOptions) =>
    params.length > 0
      ? db.query<T>(sql, params, options)
      : ((await db.exec(sql, options)).at(-1) as Results<T>);
}

/** The embedded PostgreSQL (PGlite) in this process, with its files under `dataDir` (made owner-only), else in memory. */
export async function embeddedPostgres(dataDir?: string): Promise<{ options: Options; describe: string }> {
  const path = dataDir === undefined ? undefined : resolve(dataDir);
  if (path !== undefined) await ownerOnlyDirectory(path);
  const unlock = path === undefined ? async () => {} : await lockDataDir(path);
  const db = await PGlite.create(path).catch(async (error: unknown) => {
    await unlock();
    throw error;
  });
  const pglite = {
    get closed() {
      return db.closed;
    },
    get ready() {
      return db.ready;
    },
    waitReady: db.waitReady,
    async close() {
      await db.close();
      await unlock();
    },
    query: runningScripts(db),
    transaction: <T>(work: (tx: { query: Queryable['query']; rollback(): Promise<void> }) => Promise<T>) =>
      db.transaction((tx) => work({ query: runningScripts(tx), rollback: () => tx.rollback() })),
  };
  return {
    options: { dbName: 'postgres', driverOptions: new PGliteDialect({ pglite }) },
    describe: `embedded-postgres (pglite) ${dataDir === undefined ? 'in memory' : `at ${dataDir}`}`,
  };
}
