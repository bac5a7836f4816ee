import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe } from 'vitest';

/**
 * Real services for the integration suites: TEST_DATABASE_URL / TEST_REDIS_URL when set (CI sets them),
 * else a testcontainers container when Docker is there. Outside CI a suite may skip with a printed reason;
 * with CI=true a missing service fails the run.
 */
const inCi = process.env.CI === 'true' || process.env.CI === '1';

export interface ServiceUnavailable {
  available: false;
  reason: string;
}

function unavailable(service: string, error: unknown): ServiceUnavailable {
  const reason = `${service} unavailable (set TEST_${service.toUpperCase()}_URL or start Docker): ${String(error)}`;
  if (inCi) throw new Error(`CI=true but ${reason}`);
  console.warn(`skipping ${service} suites: ${reason}`);
  return { available: false, reason };
}

let postgresServer: Promise<string | ServiceUnavailable> | undefined;
let redisServer: Promise<string | ServiceUnavailable> | undefined;

async function startPostgres(): Promise<string | ServiceUnavailable> {
  if (process.env.TEST_DATABASE_URL) return process.env.TEST_DATABASE_URL;
  try {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:17-alpine').start();
    return container.getConnectionUri();
  } catch (error) {
    return unavailable('database', error);
  }
}

async function startRedis(): Promise<string | ServiceUnavailable> {
  if (process.env.TEST_REDIS_URL) return process.env.TEST_REDIS_URL;
  try {
    const { RedisContainer } = await import('@testcontainers/redis');
    const container = await new RedisContainer('redis:7-alpine').start();
    return container.getConnectionUrl();
  } catch (error) {
    return unavailable('redis', error);
  }
}

export interface TestDatabase {
  available: true;
  /** URL of a database made for this caller alone. */
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty PostgreSQL database; drop() removes it. */
export async function createTestDatabase(): Promise<TestDatabase | ServiceUnavailable> {
  postgresServer ??= startPostgres();
  const server = await postgresServer;
  if (typeof server !== 'string') return server;
  const name = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    available: true,
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: server });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

export interface TestRedis {
  available: true;
  url: string;
  /** A key prefix no other test uses. */
  prefix: string;
}

export async function testRedis(): Promise<TestRedis | ServiceUnavailable> {
  redisServer ??= startRedis();
  const server = await redisServer;
  if (typeof server !== 'string') return server;
  return {
    available: true,
    url: server,
    prefix: `test:${Date.now().toString(36)}:${randomBytes(4).toString('hex')}:`,
  };
}

/**
 * Declares suites that need real services. With every service there, `define` gets them; with one missing
 * (outside CI), the same tests are declared under a skipped describe, so the run reports each of them as
 * skipped instead of leaving them out. `define` may touch its services only in hooks and tests, which a
 * skipped describe never runs.
 */
export function withServices<const T extends readonly { available: true }[]>(
  found: { [K in keyof T]: T[K] | ServiceUnavailable },
  define: (...services: NoInfer<[...T]>) => void,
): void {
  const missing = found.find((service): service is ServiceUnavailable => !service.available);
  if (!missing) {
    define(...(found as unknown as T));
    return;
  }
  describe.skip(`needs ${missing.reason}`, () => define(...(found.map(standIn) as unknown as T)));
}

/** What a skipped suite gets for a missing service: reading it while declaring tests fails loudly. */
function standIn(service: { available: true } | ServiceUnavailable): object {
  if (service.available) return service;
  return new Proxy(
    {},
    {
      get(_, property) {
        throw new Error(`read .${String(property)} of a missing service: ${service.reason}`);
      },
    },
  );
}
