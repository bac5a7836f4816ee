import type { ChatroomRepository } from '#application/ports/chatroom-repository.ts';
import type { MessageRepository } from '#application/ports/message-repository.ts';
import type { OtpRepository } from '#application/ports/otp-repository.ts';
import type { SubscriptionRepository } from '#application/ports/subscription-repository.ts';
import type { UsageCounter } from '#application/ports/usage-counter.ts';
import type { UserRepository } from '#application/ports/user-repository.ts';
import type { EntityManagers } from './entity-managers.ts';
import { MikroOrmChatroomRepository } from './mikro-orm-chatroom-repository.ts';
import { MikroOrmMessageRepository } from './mikro-orm-message-repository.ts';
import { MikroOrmOtpRepository } from './mikro-orm-otp-repository.ts';
import { MikroOrmSubscriptionRepository } from './mikro-orm-subscription-repository.ts';
import { MikroOrmUsageCounter } from './mikro-orm-usage-counter.ts';
import { MikroOrmUserRepository } from './mikro-orm-user-repository.ts';

export interface PostgresRepositories {
  users: UserRepository;
  otps: OtpRepository;
  chatrooms: ChatroomRepository;
  messages: MessageRepository;
  subscriptions: SubscriptionRepository;
  usage: UsageCounter;
}

export function postgresRepositories(ems: EntityManagers): PostgresRepositories {
  return {
    users: new MikroOrmUserRepository(ems),
    otps: new MikroOrmOtpRepository(ems),
    chatrooms: new MikroOrmChatroomRepository(ems),
    messages: new MikroOrmMessageRepository(ems),
    subscriptions: new MikroOrmSubscriptionRepository(ems),
    usage: new MikroOrmUsageCounter(ems),
  };
}
