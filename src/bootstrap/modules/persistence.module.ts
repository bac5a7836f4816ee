import { ContainerModule } from 'inversify';
import type { Repositories } from '#application/ports/repositories.ts';
import { TOKENS } from '../tokens.ts';

export function persistenceModule(repositories: Repositories): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.UserRepository).toConstantValue(repositories.users);
    bind(TOKENS.OtpRepository).toConstantValue(repositories.otps);
    bind(TOKENS.ChatroomRepository).toConstantValue(repositories.chatrooms);
    bind(TOKENS.MessageRepository).toConstantValue(repositories.messages);
    bind(TOKENS.SubscriptionRepository).toConstantValue(repositories.subscriptions);
    bind(TOKENS.UsageCounter).toConstantValue(repositories.usage);
  });
}
