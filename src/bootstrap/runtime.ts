import { Hono } from 'hono';
import { Container, type ContainerModule } from 'inversify';
import { createHttpApp } from '#adapters/http/app.ts';
import { checkoutReturnRoutes, localCheckoutRoutes } from '#adapters/http/routes/local-checkout.ts';
import { type PinoInstance, PinoLogger } from '#adapters/system/pino-logger.ts';
import type { Clock } from '#application/ports/clock.ts';
import type { HealthCheck } from '#application/ports/health-check.ts';
import type { IdGenerator } from '#application/ports/id-generator.ts';
import type { LanguageModel } from '#application/ports/language-model.ts';
import type { PaymentGateway } from '#application/ports/payment-gateway.ts';
import type { UseCases } from '#application/use-cases.ts';
import type { Config } from './config.ts';
import { inMemoryCacheModule, redisCacheModule } from './modules/cache.module.ts';
import { coreModule } from './modules/core.module.ts';
import { languageModelModule } from './modules/llm.module.ts';
import { paymentsModule } from './modules/payments.module.ts';
import { persistenceModule } from './modules/persistence.module.ts';
import { externalQueueModule, inProcessQueueModule } from './modules/queue.module.ts';
import { openPersistence } from './persistence.ts';
import { openRedis } from './redis.ts';
import { TOKENS } from './tokens.ts';

/** Test doubles a caller may put in place of the configured adapters. */
export interface Overrides {
  clock?: Clock;
  ids?: IdGenerator;
  model?: LanguageModel;
  payments?: PaymentGateway;
}

export interface Runtime {
  config: Config;
  container: Container;
  useCases: UseCases;
  app: ReturnType<typeof createHttpApp>;
  /** Adapter in use per concern, for the start-up line. */
  adapters: Record<'database' | 'cache' | 'queue' | 'model' | 'payments', string>;
  close(): Promise<void>;
}

/** Opens what the configuration asks for, wires the container, and builds the HTTP app. */
export async function createRuntime(
  config: Config,
  log: PinoInstance,
  overrides: Overrides = {},
): Promise<Runtime> {
  const logger = new PinoLogger(log);
  const closers: (() => Promise<void>)[] = [];
  try {
    return await assemble(config, log, logger, overrides, closers);
  } catch (error) {
    for (const close of closers) await close().catch(() => {});
    throw error;
  }
}

async function assemble(
  config: Config,
  log: PinoInstance,
  logger: PinoLogger,
  overrides: Overrides,
  closers: (() => Promise<void>)[],
): Promise<Runtime> {
  const clock = overrides.clock ?? { now: () => new Date() };
  const persistence = await openPersistence(config, logger);
  closers.unshift(() => persistence.close());
  const healthChecks: HealthCheck[] = [persistence.healthCheck];
  const modules: ContainerModule[] = [
    coreModule(config, log, persistence.scope),
    persistenceModule(persistence.repositories),
  ];

  const redis = config.redis.url ? await openRedis(config, logger) : null;
  if (redis) {
    closers.unshift(() => redis.close());
    healthChecks.push(redis.healthCheck);
    modules.push(redisCacheModule(redis), externalQueueModule(redis.queue));
  } else {
    modules.push(inMemoryCacheModule, inProcessQueueModule(config.replyBackoffMs));
  }
  const model = await languageModelModule(config);
  const payments = await paymentsModule(config, clock);
  modules.push(model.module, payments.module);

  const container = new Container({ defaultScope: 'Singleton' });
  container.load(...modules);
  if (overrides.clock) container.rebind(TOKENS.Clock).toConstantValue(overrides.clock);
  if (overrides.ids) container.rebind(TOKENS.IdGenerator).toConstantValue(overrides.ids);
  if (overrides.model) container.rebind(TOKENS.LanguageModel).toConstantValue(overrides.model);
  if (overrides.payments) container.rebind(TOKENS.PaymentGateway).toConstantValue(overrides.payments);

  const useCases = container.get(TOKENS.UseCases);
  const queue = container.get(TOKENS.ReplyQueue) as { close?: () => Promise<void> };
  if (!redis && queue.close) closers.unshift(() => queue.close?.() ?? Promise.resolve());
  if (config.role !== 'api') {
    if (redis) redis.startWorker(container.get(TOKENS.ReplyJobHandler));
    await useCases.resumePendingReplies.execute();
  }

  const pages = new Hono().route('/', checkoutReturnRoutes());
  if (payments.offline) {
    pages.route(
      '/',
      localCheckoutRoutes({ gateway: payments.offline, applyPaymentEvent: useCases.applyPaymentEvent }),
    );
  }
  const app = createHttpApp({
    useCases,
    healthChecks,
    log,
    scope: persistence.scope,
    extraRoutes: pages,
    corsOrigins: config.corsOrigins,
  });

  return {
    config,
    container,
    useCases,
    app,
    adapters: {
      database: persistence.describe,
      cache: redis ? 'redis' : 'in-process',
      queue: redis
        ? `bullmq${config.role === 'api' ? '' : ` (worker, concurrency ${config.workerConcurrency})`}`
        : 'in-process',
      model: overrides.model ? 'override' : model.describe,
      payments: overrides.payments ? 'override' : payments.describe,
    },
    async close() {
      for (const close of closers.splice(0)) await close();
    },
  };
}
