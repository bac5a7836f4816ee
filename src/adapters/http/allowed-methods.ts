import { TrieRouter } from 'hono/router/trie-router';
import type { RouterRoute } from 'hono/types';

/** `app.use` registers middleware under ALL: only routes with a method answer requests. */
const MIDDLEWARE = 'ALL';

/**
 * The methods some route answers for a path, matched by Hono's own router (same `:param` and `*` rules as the
 * app). Built once from the app's routes, after every route is registered.
 */
export function allowedMethodsOf(routes: readonly RouterRoute[]): (path: string) => string[] {
  const router = new TrieRouter<string>();
  for (const route of routes)
    if (route.method !== MIDDLEWARE) router.add(MIDDLEWARE, route.path, route.method);
  return (path) => {
    const methods = new Set(router.match('GET', path)[0].map(([method]) => method));
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  };
}
