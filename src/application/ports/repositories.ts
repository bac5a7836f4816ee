import type { AccountStandings } from './account-standings.ts';
import type { ChatroomRepository } from './chatroom-repository.ts';
import type { IdempotencyKeys } from './idempotency-keys.ts';
import type { MessageRepository } from './message-repository.ts';
import type { OtpRepository } from './otp-repository.ts';
import type { SubscriptionRepository } from './subscription-repository.ts';
import type { UnitOfWork } from './unit-of-work.ts';
import type { UsageCounter } from './usage-counter.ts';
import type { UserRepository } from './user-repository.ts';

/** Everything one storage technology provides; the daily quota is counted where the data lives. */
export interface Repositories {
  users: UserRepository;
  otps: OtpRepository;
  chatrooms: ChatroomRepository;
  messages: MessageRepository;
  subscriptions: SubscriptionRepository;
  usage: UsageCounter;
  accounts: AccountStandings;
  idempotencyKeys: IdempotencyKeys;
  unitOfWork: UnitOfWork;
}
