import { ContainerModule } from 'inversify';
import type { ChatroomRepository } from '#application/ports/chatroom-repository.ts';
import type { MessageRepository } from '#application/ports/message-repository.ts';
import type { OtpRepository } from '#application/ports/otp-repository.ts';
import type { SubscriptionRepository } from '#application/ports/subscription-repository.ts';
import type { UsageCounter } from '#application/ports/usage-counter.ts';
import type { UserRepository } from '#application/ports/user-repository.ts';
import { TOKENS } from '../tokens.ts';

/** Everything a storage technology provides; the daily quota is counted where the data lives. */
export interface RepositorySet {
  users: UserRepository;
  otps: OtpRepository;
  chatrooms: ChatroomRepository;
  messages: MessageRepository;
  subscriptions: SubscriptionRepository;
  usage: UsageCounter;
}

export function persistenceModule(repositories: RepositorySet): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.UserRepository).toConstantValue(repositories.users);
    bind(TOKENS.OtpRepository).toConstantValue(repositories.otps);
    bind(TOKENS.ChatroomRepository).toConstantValue(repositories.chatrooms);
    bind(TOKENS.MessageRepository).toConstantValue(repositories.messages);
    bind(TOKENS.SubscriptionRepository).toConstantValue(repositories.subscriptions);
    bind(TOKENS.UsageCounter).toConstantValue(repositories.usage);
  });
}
