import { FlexibleRateLimiter } from '#adapters/cache/flexible-rate-limiter.ts';
import { InMemoryCache } from '#adapters/cache/in-memory-cache.ts';
import { createInMemoryRepositories } from '#adapters/persistence/in-memory/create-in-memory-repositories.ts';
import { InProcessReplyQueue } from '#adapters/queue/in-process-reply-queue.ts';
import { SilentLogger } from '#test/support/silent-logger.ts';
import { accountStandingsContract } from './account-standings.contract.ts';
import { cacheContract } from './cache.contract.ts';
import { chatroomRepositoryContract } from './chatroom-repository.contract.ts';
import { idempotencyKeysContract } from './idempotency-keys.contract.ts';
import { messageRepositoryContract } from './message-repository.contract.ts';
import { oneStatementMessagesContract } from './one-statement-messages.contract.ts';
import { otpRepositoryContract } from './otp-repository.contract.ts';
import type { MakePersistence } from './persistence-givens.ts';
import { rateLimiterContract } from './rate-limiter.contract.ts';
import { replyQueueContract } from './reply-queue.contract.ts';
import { subscriptionRepositoryContract } from './subscription-repository.contract.ts';
import { unitOfWorkContract } from './unit-of-work.contract.ts';
import { usageCounterContract } from './usage-counter.contract.ts';
import { userRepositoryContract } from './user-repository.contract.ts';

const inMemory: MakePersistence = async () => {
  const repositories = createInMemoryRepositories();
  return {
    ...repositories,
    reopen: () => createInMemoryRepositories(repositories.store, repositories.usage),
    close: async () => {},
  };
};

userRepositoryContract('in-memory', inMemory);
otpRepositoryContract('in-memory', inMemory);
chatroomRepositoryContract('in-memory', inMemory);
messageRepositoryContract('in-memory', inMemory);
idempotencyKeysContract('in-memory', inMemory);
subscriptionRepositoryContract('in-memory', inMemory);
usageCounterContract('in-memory', inMemory);
oneStatementMessagesContract('in-memory', inMemory);
accountStandingsContract('in-memory', inMemory);
unitOfWorkContract('in-memory', inMemory);

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
