import { ContainerModule } from 'inversify';
import { MikroOrmChatroomRepository } from '#adapters/persistence/postgres/mikro-orm-chatroom-repository.ts';
import { MikroOrmMessageRepository } from '#adapters/persistence/postgres/mikro-orm-message-repository.ts';
import { MikroOrmOtpRepository } from '#adapters/persistence/postgres/mikro-orm-otp-repository.ts';
import { MikroOrmSubscriptionRepository } from '#adapters/persistence/postgres/mikro-orm-subscription-repository.ts';
import { MikroOrmUsageCounter } from '#adapters/persistence/postgres/mikro-orm-usage-counter.ts';
import { MikroOrmUserRepository } from '#adapters/persistence/postgres/mikro-orm-user-repository.ts';
import type { Database } from '../database.ts';
import { TOKENS } from '../tokens.ts';

/** PostgreSQL (a server or the embedded one) through MikroORM; each request and job gets its own EntityManager fork. */
export function postgresPersistenceModule(database: Database): ContainerModule {
  const { ems } = database;
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.UserRepository).toResolvedValue(() => new MikroOrmUserRepository(ems));
    bind(TOKENS.OtpRepository).toResolvedValue(() => new MikroOrmOtpRepository(ems));
    bind(TOKENS.ChatroomRepository).toResolvedValue(() => new MikroOrmChatroomRepository(ems));
    bind(TOKENS.MessageRepository).toResolvedValue(() => new MikroOrmMessageRepository(ems));
    bind(TOKENS.SubscriptionRepository).toResolvedValue(() => new MikroOrmSubscriptionRepository(ems));
    bind(TOKENS.UsageCounter).toResolvedValue(() => new MikroOrmUsageCounter(ems));
    bind(TOKENS.Scope).toConstantValue((work) => ems.scope(work));
    bind(TOKENS.HealthCheck).toConstantValue(database.healthCheck);
  });
}
