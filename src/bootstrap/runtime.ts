import { Hono } from 'hono';
import type { ContainerModule } from 'inversify';
import { createHttpApp } from '#adapters/http/app.ts';
import type { Logger } from '#application/ports/logger.ts';
import type { UseCases } from '#application/use-cases.ts';
import type { Config } from './config.ts';
import { type AdapterNames, adapterNames, createContainer, type Foundation } from './container.ts';
import { Shutdown } from './shutdown.ts';
import { TOKENS } from './tokens.ts';

export interface Runtime {
  useCases: UseCases;
  app: ReturnType<typeof createHttpApp>;
  /** Adapter in use per concern, for the start-up line. */
  adapters: AdapterNames;
  /** Stops the worker and the queue, then closes the connections. */
  close(): Promise<void>;
}

/**
 * Config → connections → container → HTTP: opens what the configuration asks for, builds the graph, starts the
 * worker when ROLE runs one, and builds the HTTP app on the use cases. `overrides` rebind tokens (see createContainer).
 */
export async function createRuntime(
  config: Config,
  logger: Logger,
  overrides: ContainerModule[] = [],
): Promise<Runtime> {
  const shutdown = new Shutdown();
  try {
    const foundation = await connect(config, logger, shutdown);
    const container = await createContainer(foundation, overrides);
    const useCases = container.get(TOKENS.UseCases);
    if (config.role !== 'api') {
      if (foundation.redis) container.get(TOKENS.ReplyWorker);
      await useCases.resumePendingReplies.execute();
    }
    const extraRoutes = new Hono();
    for (const routes of container.getAll(TOKENS.ExtraRoutes)) extraRoutes.route('/', routes);
    const app = createHttpApp({
      useCases,
      healthChecks: container.getAll(TOKENS.HealthCheck),
      log: container.get(TOKENS.Logger),
      scope: container.get(TOKENS.Scope),
      extraRoutes,
      corsOrigins: config.corsOrigins,
    });
    return { useCases, app, adapters: adapterNames(foundation), close: () => shutdown.run() };
  } catch (error) {
    await shutdown.run().catch(() => {});
    throw error;
  }
}

/** The database (unless DATABASE_URL=memory) and Redis (when REDIS_URL is set), each closed at shutdown. */
async function connect(config: Config, logger: Logger, shutdown: Shutdown): Promise<Foundation> {
  let database: Foundation['database'] = null;
  if (config.database.url !== 'memory') {
    const { openDatabase } = await import('./database.ts');
    database = shutdown.closes(await openDatabase(config.database, logger));
  }
  let redis: Foundation['redis'] = null;
  if (config.redis.url) {
    const { openRedis } = await import('./redis.ts');
    redis = shutdown.closes(await openRedis(config.redis.url, logger));
  }
  return { config, logger, shutdown, database, redis };
}
