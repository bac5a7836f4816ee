import { ServiceUnavailable } from '#application/shared/service-unavailable.ts';

/**
 * SQLSTATEs of a server that cannot serve this connection right now: class 08 (connection exception), 57P01-57P03
 * (terminated by an administrator or a crash, shutting down or starting up), 53300 (too many connections).
 */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123]|53300)$/;
/** Socket errors on the way to the server. */
const SOCKET_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** What pg and pg-pool say without a code: a dropped connection, a pool that gave no connection in time. */
const UNAVAILABLE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable|Connection is closed/i;

/** Whether `error` (or what caused it) says the database cannot be reached, rather than that a query is wrong. */
export function isDatabaseOutage(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 4) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || SOCKET_ERRORS.has(code))) return true;
  if (UNAVAILABLE_MESSAGE.test(error.message)) return true;
  const causes = error instanceof AggregateError ? [...error.errors, error.cause] : [error.cause];
  return causes.some((cause) => isDatabaseOutage(cause, depth + 1));
}

/** Rethrows a database outage as ServiceUnavailable('database') (503 NOT_READY), anything else as it is. */
export function rethrowOutage(error: unknown): never {
  if (!isDatabaseOutage(error)) throw error;
  throw new ServiceUnavailable('database', 'The database is unreachable, try again shortly', {
    retryAfterSeconds: 2,
    cause: error,
  });
}

/** Builders the EntityManager hands out whose own promises must be mapped too. */
const BUILDERS = new Set<PropertyKey>(['qb', 'createQueryBuilder']);

/**
 * `target` with every promise its methods return (and those of the query builders it makes) mapped by
 * rethrowOutage: the one place a lost connection becomes an outage, whichever repository ran the query.
 */
export function reportingOutages<T extends object>(target: T): T {
  const proxy: T = new Proxy(target, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property, object);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result: unknown = value.apply(object, args);
        if (result === object) return proxy;
        if (result instanceof Promise) return result.catch(rethrowOutage);
        if (BUILDERS.has(property) && typeof result === 'object' && result !== null) {
          return reportingOutages(result);
        }
        return result;
      };
    },
  });
  return proxy;
}
