import type { Repositories } from '#application/ports/repositories.ts';
import type { EntityManagers } from './entity-managers.ts';
import { MikroOrmChatroomRepository } from './mikro-orm-chatroom-repository.ts';
import { MikroOrmMessageRepository } from './mikro-orm-message-repository.ts';
import { MikroOrmOtpRepository } from './mikro-orm-otp-repository.ts';
import { MikroOrmSubscriptionRepository } from './mikro-orm-subscription-repository.ts';
import { MikroOrmUsageCounter } from './mikro-orm-usage-counter.ts';
import { MikroOrmUserRepository } from './mikro-orm-user-repository.ts';

export function postgresRepositories(ems: EntityManagers): Repositories {
  return {
    users: new MikroOrmUserRepository(ems),
    otps: new MikroOrmOtpRepository(ems),
    chatrooms: new MikroOrmChatroomRepository(ems),
    messages: new MikroOrmMessageRepository(ems),
    subscriptions: new MikroOrmSubscriptionRepository(ems),
    usage: new MikroOrmUsageCounter(ems),
  };
}
