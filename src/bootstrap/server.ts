import { enableCompileCache } from 'node:module';

/**
 * The service's entry point: `npm start` runs start.ts, which imports this module's bundle (see bundle.ts) or this
 * module itself; tests and `node src/bootstrap/server.ts` run it directly. Node's compile cache comes first: a later start reads the compiled code of the service's
 * ~1,400 modules from it instead of compiling them again. It covers only what is loaded after it is enabled, hence
 * the service in a module of its own (main.ts), imported here afterwards. The npm scripts turn it on before node
 * loads anything, through NODE_COMPILE_CACHE (the OS temp dir's node-compile-cache unless set): only then does it
 * also keep this file's and every other .ts file's code with its types stripped, so a later start does not load
 * Node's TypeScript stripper at all (35-70 ms of a restart here); this call covers a start without the scripts.
 * NODE_DISABLE_COMPILE_CACHE=1 turns it off. It does not fail the start: a directory it cannot write is only
 * reported in its status. Then .env, if there is one, into the environment.
 */
enableCompileCache();
try {
  process.loadEnvFile('.env');
} catch {
  // no .env: the environment alone configures the service
}
// With no DATABASE_URL the service will likely open the embedded database: its thread starts now, loading PGlite on
// the other core while this one loads the service (main.ts drops it if the configuration decides otherwise).
if (!process.env.DATABASE_URL?.trim()) {
  const { prestartPgliteThread } = await import('#adapters/persistence/postgres/pglite-thread.ts');
  prestartPgliteThread();
}
await import('./main.ts');
