import { FlexibleRateLimiter } from '#adapters/cache/flexible-rate-limiter.ts';
import { InMemoryCache } from '#adapters/cache/in-memory-cache.ts';
import { createInMemoryRepositories } from '#adapters/persistence/in-memory/create-in-memory-repositories.ts';
import { InProcessReplyQueue } from '#adapters/queue/in-process-reply-queue.ts';
import { SilentLogger } from '#test/support/silent-logger.ts';
import { cacheContract } from './cache.contract.ts';
import { persistenceContract } from './persistence.contract.ts';
import { rateLimiterContract } from './rate-limiter.contract.ts';
import { replyQueueContract } from './reply-queue.contract.ts';

persistenceContract('in-memory', async () => {
  const repositories = createInMemoryRepositories();
  return {
    ...repositories,
    reopen: () => createInMemoryRepositories(repositories.store, repositories.usage),
    close: async () => {},
  };
});

cacheContract('in-memory', async () => ({ cache: new InMemoryCache(), close: async () => {} }));

rateLimiterContract('rate-limiter-flexible in memory', async () => {
  const rules = {
    otpSend: { points: 3, durationSeconds: 60 },
    loginFailure: { points: 4, durationSeconds: 30 },
  };
  return {
    limiter: new FlexibleRateLimiter({ rules, store: { kind: 'memory' } }),
    rules,
    close: async () => {},
  };
});

replyQueueContract('in-process', async ({ handler, backoffMs }) => {
  const queue = new InProcessReplyQueue({ handler, backoffMs, attempts: 3, logger: new SilentLogger() });
  return { queue, close: () => queue.close() };
});
