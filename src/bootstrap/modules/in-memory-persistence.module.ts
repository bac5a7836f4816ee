import { ContainerModule } from 'inversify';
import { InMemoryUsageCounter } from '#adapters/cache/in-memory-usage-counter.ts';
import { InMemoryAccountStandings } from '#adapters/persistence/in-memory/in-memory-account-standings.ts';
import { InMemoryChatroomRepository } from '#adapters/persistence/in-memory/in-memory-chatroom-repository.ts';
import { InMemoryIdempotencyKeys } from '#adapters/persistence/in-memory/in-memory-idempotency-keys.ts';
import { InMemoryMessageRepository } from '#adapters/persistence/in-memory/in-memory-message-repository.ts';
import { InMemoryOtpRepository } from '#adapters/persistence/in-memory/in-memory-otp-repository.ts';
import { InMemoryStore } from '#adapters/persistence/in-memory/in-memory-store.ts';
import { InMemorySubscriptionRepository } from '#adapters/persistence/in-memory/in-memory-subscription-repository.ts';
import { InMemoryUserRepository } from '#adapters/persistence/in-memory/in-memory-user-repository.ts';
import { TOKENS } from '../tokens.ts';

/** DATABASE_URL=memory: nothing kept, for tests and quick tries; one store per container. */
export const inMemoryPersistenceModule = new ContainerModule(({ bind }) => {
  const store = new InMemoryStore();
  bind(TOKENS.UserRepository).toResolvedValue(() => new InMemoryUserRepository(store));
  bind(TOKENS.OtpRepository).toResolvedValue(() => new InMemoryOtpRepository(store));
  bind(TOKENS.ChatroomRepository).toResolvedValue(() => new InMemoryChatroomRepository(store));
  bind(TOKENS.MessageRepository).toResolvedValue(
    (usage) => new InMemoryMessageRepository(store, usage),
    [TOKENS.UsageCounter],
  );
  bind(TOKENS.SubscriptionRepository).toResolvedValue(() => new InMemorySubscriptionRepository(store));
  bind(TOKENS.UsageCounter).toResolvedValue(() => new InMemoryUsageCounter(store.unitOfWork));
  bind(TOKENS.AccountStandings).toResolvedValue(
    (subscriptions, usage) => new InMemoryAccountStandings(subscriptions, usage),
    [TOKENS.SubscriptionRepository, TOKENS.UsageCounter],
  );
  bind(TOKENS.IdempotencyKeys).toResolvedValue(() => new InMemoryIdempotencyKeys(store));
  bind(TOKENS.UnitOfWork).toConstantValue(store.unitOfWork);
  // Nothing to isolate: every request and job sees the one store.
  bind(TOKENS.Scope).toConstantValue((work) => work());
  bind(TOKENS.HealthCheck).toConstantValue({ name: 'database', check: async () => {} });
});
