import { Container, type ContainerModule } from 'inversify';
import type { Logger } from '#application/ports/logger.ts';
import type { Config } from './config.ts';
import type { Database } from './database.ts';
import { applicationModule } from './modules/application.module.ts';
import { cachedAccountsModule } from './modules/cached-accounts.module.ts';
import { cachedChatroomsModule } from './modules/cached-chatrooms.module.ts';
import { cachedUsersModule } from './modules/cached-users.module.ts';
import { coreModule } from './modules/core.module.ts';
import { inMemoryPersistenceModule } from './modules/in-memory-persistence.module.ts';
import { inProcessModule } from './modules/in-process.module.ts';
import { languageModelModule } from './modules/llm.module.ts';
import { metricsModule } from './modules/metrics.module.ts';
import { paymentsModule } from './modules/payments.module.ts';
import type { RedisConnection } from './redis.ts';
import type { Shutdown } from './shutdown.ts';

/** What is open before the graph is built. `database` null: DATABASE_URL=memory; `redis` null: REDIS_URL unset. */
export interface Foundation {
  config: Config;
  logger: Logger;
  shutdown: Shutdown;
  database: Database | null;
  redis: RedisConnection | null;
}

export type AdapterNames = Record<'database' | 'cache' | 'queue' | 'model' | 'payments', string>;

/**
 * The whole object graph, use cases included, from the modules the configuration chooses (all chosen before the
 * first get). `overrides` are loaded last: each may rebind any token (tests put their doubles in this way).
 */
export async function createContainer(
  foundation: Foundation,
  overrides: ContainerModule[] = [],
): Promise<Container> {
  const { config, logger, shutdown } = foundation;
  const container = new Container({ defaultScope: 'Singleton' });
  await container.loadAsync(
    coreModule(config, logger, shutdown),
    metricsModule,
    applicationModule,
    await persistenceModule(foundation.database),
    await cacheAndQueueModule(foundation.redis, config),
    cachedChatroomsModule(config.chatroomCacheTtlSeconds),
    ...[cachedUsersModule(foundation)].filter((module) => module !== null),
    ...(foundation.database ? [cachedAccountsModule] : []),
    languageModelModule(config),
    paymentsModule(config),
  );
  await container.loadAsync(...overrides);
  return container;
}

/** The adapter chosen per concern, for the start-up line. */
export function adapterNames(foundation: Foundation): AdapterNames {
  const { config, database, redis } = foundation;
  const { gemini, stripe } = config;
  const worker = config.role === 'api' ? '' : ` (worker, concurrency ${config.workerConcurrency})`;
  return {
    database: database?.describe ?? 'in-memory',
    cache: redis ? 'redis' : 'in-process',
    queue: redis ? `bullmq${worker}` : 'in-process',
    model: gemini.apiKey
      ? `gemini (${gemini.model}${gemini.baseUrl ? ` at ${gemini.baseUrl}` : ''})`
      : 'offline',
    payments: stripe.secretKey
      ? `stripe${stripe.apiBase ? ` at ${stripe.apiBase}` : ''}`
      : 'offline checkout',
  };
}

/** MikroORM is loaded only when there is a database. */
async function persistenceModule(database: Database | null): Promise<ContainerModule> {
  if (!database) return inMemoryPersistenceModule;
  const { postgresPersistenceModule } = await import('./modules/postgres-persistence.module.ts');
  return postgresPersistenceModule(database);
}

/** BullMQ is loaded only when there is Redis. */
async function cacheAndQueueModule(redis: RedisConnection | null, config: Config): Promise<ContainerModule> {
  if (!redis) return inProcessModule(config);
  const { redisModule } = await import('./modules/redis.module.ts');
  return redisModule(redis, config);
}
