import { resolve } from 'node:path';
import { lockDataDir } from './data-dir-lock.ts';
import { ownerOnlyDirectory } from './owner-only-directory.ts';
import { type PgliteThread, startPgliteThread } from './pglite-thread.ts';

/**
 * Settings of the embedded database that size its shared memory, which PGlite allocates and sets up in its
 * WebAssembly memory at every start. initdb's 128 MB buffer cache: with 16 MB, PGlite opened a data directory in
 * 0.49-0.64 s instead of 0.91-0.96 s, and its process took 164-184 MB instead of 282-299 MB (node, PGlite.create
 * on the same directory, one after the other); the embedded database is the one-machine trial's, and its pages
 * also stay in the OS's file cache. PGlite serves one connection: room for 5 instead of initdb's 100 took another
 * 40-55 ms and 15 MB off.
 */
const SETTINGS = { shared_buffers: '16MB', max_connections: '5' };

/** An embedded database being opened, or open: its thread, and what to call it in the start-up line. */
export interface EmbeddedDatabase {
  thread: PgliteThread;
  describe: string;
}

/**
 * Starts the embedded PostgreSQL (PGlite) in a thread of its own (see pglite-thread.ts), with its files under
 * `dataDir` (made owner-only and locked to this process), else in memory, and resolves once the thread is running:
 * `ready` resolves once the database is open. A `dataDir` without a database starts from the prepared template
 * (see embedded-template.ts) unless `template` is false; the migrations it lacks are for the caller to apply, as on
 * any database. Light on purpose (no ORM, no PGlite in this thread, nothing but node's modules): the service calls
 * it before it loads the rest of itself, so that the two overlap (a module load holds this thread, so the thread
 * must have been started, not only asked for, before it).
 */
export async function startEmbedded(
  dataDir?: string,
  { template = true }: { template?: boolean } = {},
): Promise<{ ready: Promise<EmbeddedDatabase> }> {
  const path = dataDir === undefined ? undefined : resolve(dataDir);
  if (path !== undefined) await ownerOnlyDirectory(path);
  const unlock = path === undefined ? async () => {} : await lockDataDir(path);
  const opening = startPgliteThread({ path, template, settings: SETTINGS });
  const describe = `embedded-postgres (pglite) ${dataDir === undefined ? 'in memory' : `at ${dataDir}`}`;
  const ready = opening.then(
    (opened): EmbeddedDatabase => ({
      thread: {
        get closed() {
          return opened.closed;
        },
        query: opened.query,
        transaction: opened.transaction,
        async close() {
          await opened.close();
          await unlock();
        },
      },
      describe,
    }),
    async (error: unknown) => {
      await unlock();
      throw error;
    },
  );
  return { ready };
}

/** startEmbedded, until the database is open. */
export async function openEmbedded(
  dataDir?: string,
  options: { template?: boolean } = {},
): Promise<EmbeddedDatabase> {
  return (await startEmbedded(dataDir, options)).ready;
}
