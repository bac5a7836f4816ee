import { enableCompileCache } from 'node:module';

/**
 * Entry point (`npm start`). Node's compile cache comes first: a later start reads the compiled code of the service's
 * ~1,500 modules from it instead of compiling them again. It covers only what is loaded after it is enabled, hence
 * the service in a module of its own (main.ts), imported here afterwards. The cache is in the OS temp dir, or in
 * NODE_COMPILE_CACHE; NODE_DISABLE_COMPILE_CACHE=1 turns it off. It does not fail the start: a directory it cannot
 * write is only reported in its status.
 */
enableCompileCache();
await import('./main.ts');
