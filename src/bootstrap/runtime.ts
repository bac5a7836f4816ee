import { Container, type ContainerModule } from 'inversify';
import { createHttpApp } from '#adapters/http/app.ts';
import { Hono } from 'hono';
import { checkoutReturnRoutes, localCheckoutRoutes } from '#adapters/http/routes/local-checkout.ts';
import { createInMemoryRepositories } from '#adapters/persistence/in-memory/create-in-memory-repositories.ts';
import type { PinoInstance } from '#adapters/system/pino-logger.ts';
import type { Clock } from '#application/ports/clock.ts';
import type { IdGenerator } from '#application/ports/id-generator.ts';
import type { LanguageModel } from '#application/ports/language-model.ts';
import type { PaymentGateway } from '#application/ports/payment-gateway.ts';
import type { Config } from './config.ts';
import { inMemoryCacheModule } from './modules/cache.module.ts';
import { coreModule } from './modules/core.module.ts';
import { languageModelModule } from './modules/llm.module.ts';
import { paymentsModule } from './modules/payments.module.ts';
import { persistenceModule } from './modules/persistence.module.ts';
import { inProcessQueueModule } from './modules/queue.module.ts';
import { TOKENS } from './tokens.ts';
import type { HealthCheck, UseCases } from './use-cases.ts';

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
  const closers: (() => Promise<void>)[] = [];
  const healthChecks: HealthCheck[] = [];
  const modules: ContainerModule[] = [coreModule(config, log)];
  const clock = overrides.clock ?? { now: () => new Date() };

  modules.push(persistenceModule(createInMemoryRepositories()));
  healthChecks.push({ name: 'database', check: async () => {} });
  const database = 'in-memory';

  modules.push(inMemoryCacheModule, inProcessQueueModule(config.replyBackoffMs));
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
  if (queue.close) closers.unshift(() => queue.close?.() ?? Promise.resolve());
  const app = createHttpApp({
    useCases,
    healthChecks,
    log,
    ...(payments.offline
      ? {
          extraRoutes: localCheckoutRoutes({
            gateway: payments.offline,
            applyPaymentEvent: useCases.applyPaymentEvent,
          }),
        }
      : {}),
  });

  return {
    config,
    container,
    useCases,
    app,
    adapters: {
      database,
      cache: 'in-process',
      queue: 'in-process',
      model: overrides.model ? 'override' : model.describe,
      payments: overrides.payments ? 'override' : payments.describe,
    },
    async close() {
      for (const close of closers) await close();
    },
  };
}
