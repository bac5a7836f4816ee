import type { Repositories } from '#application/ports/repositories.ts';
import type { EntityManagers } from './entity-managers.ts';
import { PostgresAccountStandings } from './postgres-account-standings.ts';
import { PostgresChatroomRepository } from './postgres-chatroom-repository.ts';
import { PostgresIdempotencyKeys } from './postgres-idempotency-keys.ts';
import { PostgresMessageRepository } from './postgres-message-repository.ts';
import { PostgresOtpRepository } from './postgres-otp-repository.ts';
import { PostgresSubscriptionRepository } from './postgres-subscription-repository.ts';
import { PostgresUnitOfWork } from './postgres-unit-of-work.ts';
import { PostgresUsageCounter } from './postgres-usage-counter.ts';
import { PostgresUserRepository } from './postgres-user-repository.ts';

/** Reads are plain SQL mapped by the schemas (TableRows), writes go through MikroORM or one conditional statement. */
export function postgresRepositories(ems: EntityManagers): Repositories {
  return {
    users: new PostgresUserRepository(ems),
    otps: new PostgresOtpRepository(ems),
    chatrooms: new PostgresChatroomRepository(ems),
    messages: new PostgresMessageRepository(ems),
    subscriptions: new PostgresSubscriptionRepository(ems),
    usage: new PostgresUsageCounter(ems),
    accounts: new PostgresAccountStandings(ems),
    idempotencyKeys: new PostgresIdempotencyKeys(ems),
    unitOfWork: new PostgresUnitOfWork(ems),
  };
}
