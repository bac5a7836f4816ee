import { InMemoryUsageCounter } from '#adapters/cache/in-memory-usage-counter.ts';
import { InMemoryAccountStandings } from './in-memory-account-standings.ts';
import { InMemoryChatroomRepository } from './in-memory-chatroom-repository.ts';
import { InMemoryIdempotencyKeys } from './in-memory-idempotency-keys.ts';
import { InMemoryMessageRepository } from './in-memory-message-repository.ts';
import { InMemoryOtpRepository } from './in-memory-otp-repository.ts';
import { InMemoryStore } from './in-memory-store.ts';
import { InMemorySubscriptionRepository } from './in-memory-subscription-repository.ts';
import { InMemoryUserRepository } from './in-memory-user-repository.ts';

export type InMemoryRepositories = ReturnType<typeof createInMemoryRepositories>;

/** Every repository on one shared store (pass `store` again to see the same data through new objects). */
export function createInMemoryRepositories(
  store = new InMemoryStore(),
  usage = new InMemoryUsageCounter(store.unitOfWork),
) {
  const subscriptions = new InMemorySubscriptionRepository(store);
  return {
    store,
    users: new InMemoryUserRepository(store),
    otps: new InMemoryOtpRepository(store),
    chatrooms: new InMemoryChatroomRepository(store),
    messages: new InMemoryMessageRepository(store, usage),
    subscriptions,
    usage,
    accounts: new InMemoryAccountStandings(subscriptions, usage),
    idempotencyKeys: new InMemoryIdempotencyKeys(store),
    unitOfWork: store.unitOfWork,
  };
}
