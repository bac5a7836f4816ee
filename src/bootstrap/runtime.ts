import { Hono } from 'hono';
import type { ContainerModule } from 'inversify';
import { createHttpApp } from '#adapters/http/app.ts';
import type { PrometheusMetrics } from '#adapters/metrics/prometheus-metrics.ts';
import type { EmbeddedDatabase } from '#adapters/persistence/postgres/embedded-database.ts';
import { PeriodicTask } from '#adapters/system/periodic-task.ts';
import { PinoLogger } from '#adapters/system/pino-logger.ts';
import type { Scope } from '#adapters/system/scope.ts';
import type { ReconcileReplies } from '#application/messaging/reconcile-replies.ts';
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
  /** What GET /metrics shows (a worker serves it on METRICS_PORT). */
  metrics: PrometheusMetrics;
  /** Stops the worker and the queue, then closes the connections. */
  close(): Promise<void>;
}

/**
 * Config → connections → container → HTTP: opens what the configuration asks for, builds the graph, starts the
 * worker when ROLE runs one, and builds the HTTP app on the use cases. `overrides` rebind tokens (see createContainer);
 * `embedded` is the embedded database the caller started opening ahead of this (see main.ts), for this to take over.
 */
export async function createRuntime(
  config: Config,
  logger: Logger,
  overrides: ContainerModule[] = [],
  embedded?: Promise<EmbeddedDatabase>,
): Promise<Runtime> {
  const shutdown = new Shutdown();
  try {
    const foundation = await connect(config, logger, shutdown, embedded);
    const container = await createContainer(foundation, overrides);
    const useCases = container.get(TOKENS.UseCases);
    const metrics = container.get(TOKENS.PrometheusMetrics);
    metrics.watchReplyJobs(container.get(TOKENS.ReplyJobCounts));
    if (config.role !== 'api') {
      if (foundation.redis) container.get(TOKENS.ReplyWorker);
      const reconcile = useCases.reconcileReplies;
      shutdown.closes(reconciling(reconcile, container.get(TOKENS.Scope), config, logger).start());
    }
    const extraRoutes = new Hono();
    for (const routes of container.getAll(TOKENS.ExtraRoutes)) extraRoutes.route('/', routes);
    const log = container.get(TOKENS.Logger);
    const app = createHttpApp({
      useCases,
      healthChecks: container.getAll(TOKENS.HealthCheck),
      log,
      // pino's lines are formatted by hand for the one line every request writes (see PinoLogger.request).
      requestLog: log instanceof PinoLogger ? (line) => log.request(line) : undefined,
      scope: container.get(TOKENS.Scope),
      extraRoutes,
      corsOrigins: config.corsOrigins,
      metrics,
      metricsToken: config.metrics.token,
    });
    return { useCases, app, adapters: adapterNames(foundation), metrics, close: () => shutdown.run() };
  } catch (error) {
    await shutdown.run().catch(() => {});
    throw error;
  }
}

/**
 * The reconciler of a worker role, run at once (queueing every reply left pending by the last run of the service)
 * and then every RECONCILE_INTERVAL_MS; stopped at shutdown before the worker and the connections it uses.
 */
function reconciling(
  reconcile: ReconcileReplies,
  scope: Scope,
  config: Config,
  logger: Logger,
): PeriodicTask {
  let atStart = true;
  return new PeriodicTask({
    name: 'reconcile replies',
    intervalMs: config.reconcile.intervalMs,
    jitter: 0.2,
    logger,
    run: async () => {
      await scope(() => reconcile.execute({ atStart }));
      atStart = false;
    },
  });
}

/** The database (unless DATABASE_URL=memory) and Redis (when REDIS_URL is set), each closed at shutdown. */
async function connect(
  config: Config,
  logger: Logger,
  shutdown: Shutdown,
  embedded: Promise<EmbeddedDatabase> | undefined,
): Promise<Foundation> {
  let database: Foundation['database'] = null;
  if (config.database.url !== 'memory') {
    const { openDatabase } = await import('./database.ts');
    database = shutdown.closes(await openDatabase(config.database, logger, embedded));
  }
  let redis: Foundation['redis'] = null;
  if (config.redis.url) {
    const { openRedis } = await import('./redis.ts');
    redis = shutdown.closes(await openRedis(config.redis.url, logger));
  }
  return { config, logger, shutdown, database, redis };
}
