import { resolve } from 'node:path';
import { PGlite, type QueryOptions, type Results, type Transaction } from '@electric-sql/pglite';
import type { Options } from '@mikro-orm/postgresql';
import { PGliteDialect } from 'kysely';
import { lockDataDir } from './data-dir-lock.ts';
import { copyTemplate, holdsDatabase } from './embedded-template.ts';
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

/**
 * Settings of the embedded database that size its shared memory, which PGlite allocates and sets up in its
 * WebAssembly memory at every start. initdb's 128 MB buffer cache: with 16 MB, PGlite opened a data directory in
 * 0.49-0.64 s instead of 0.91-0.96 s, and its process took 164-184 MB instead of 282-299 MB (node, PGlite.create
 * on the same directory, one after the other); the embedded database is the one-machine trial's, and its pages
 * also stay in the OS's file cache. PGlite serves one connection: room for 5 instead of initdb's 100 took another
 * 40-55 ms and 15 MB off.
 */
const SETTINGS = { shared_buffers: '16MB', max_connections: '5' };

/** PGlite on `path`: a new directory gets a copy of the prepared template (when `template`), else PGlite's initdb. */
async function openPglite(path: string | undefined, template: boolean): Promise<PGlite> {
  if (path !== undefined && template && !(await holdsDatabase(path))) await copyTemplate(path);
  return PGlite.create(path, {
    startParams: [
      ...PGlite.defaultStartParams,
      ...Object.entries(SETTINGS).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    ],
  });
}

/**
 * The embedded PostgreSQL (PGlite) in this process, with its files under `dataDir` (made owner-only), else in memory.
 * A `dataDir` without a database starts from the prepared template (see embedded-template.ts) unless `template` is
 * false; the migrations it lacks are for the caller to apply, as on any database.
 */
export async function embeddedPostgres(
  dataDir?: string,
  { template = true }: { template?: boolean } = {},
): Promise<{ options: Options; describe: string }> {
  const path = dataDir === undefined ? undefined : resolve(dataDir);
  if (path !== undefined) await ownerOnlyDirectory(path);
  const unlock = path === undefined ? async () => {} : await lockDataDir(path);
  const db = await openPglite(path, template).catch(async (error: unknown) => {
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
