import { ContainerModule } from 'inversify';
import { PostgresAccountStandings } from '#adapters/persistence/postgres/postgres-account-standings.ts';
import { PostgresChatroomRepository } from '#adapters/persistence/postgres/postgres-chatroom-repository.ts';
import { PostgresIdempotencyKeys } from '#adapters/persistence/postgres/postgres-idempotency-keys.ts';
import { PostgresMessageRepository } from '#adapters/persistence/postgres/postgres-message-repository.ts';
import { PostgresOtpRepository } from '#adapters/persistence/postgres/postgres-otp-repository.ts';
import { PostgresSubscriptionRepository } from '#adapters/persistence/postgres/postgres-subscription-repository.ts';
import { PostgresUnitOfWork } from '#adapters/persistence/postgres/postgres-unit-of-work.ts';
import { PostgresUsageCounter } from '#adapters/persistence/postgres/postgres-usage-counter.ts';
import { PostgresUserRepository } from '#adapters/persistence/postgres/postgres-user-repository.ts';
import type { Database } from '../database.ts';
import { TOKENS } from '../tokens.ts';

/** PostgreSQL (a server or the embedded one); each request and job gets its own EntityManager fork. */
export function postgresPersistenceModule(database: Database): ContainerModule {
  const { ems } = database;
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.UserRepository).toResolvedValue(() => new PostgresUserRepository(ems));
    bind(TOKENS.OtpRepository).toResolvedValue(() => new PostgresOtpRepository(ems));
    bind(TOKENS.ChatroomRepository).toResolvedValue(() => new PostgresChatroomRepository(ems));
    bind(TOKENS.MessageRepository).toResolvedValue(() => new PostgresMessageRepository(ems));
    bind(TOKENS.SubscriptionRepository).toResolvedValue(() => new PostgresSubscriptionRepository(ems));
    bind(TOKENS.UsageCounter).toResolvedValue(() => new PostgresUsageCounter(ems));
    bind(TOKENS.AccountStandings).toResolvedValue(() => new PostgresAccountStandings(ems));
    bind(TOKENS.IdempotencyKeys).toResolvedValue(() => new PostgresIdempotencyKeys(ems));
    bind(TOKENS.UnitOfWork).toResolvedValue(() => new PostgresUnitOfWork(ems));
    bind(TOKENS.Scope).toConstantValue((work) => ems.scope(work));
    bind(TOKENS.HealthCheck).toConstantValue(database.healthCheck);
  });
}
