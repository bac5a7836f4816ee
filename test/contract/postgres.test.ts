import { afterAll, beforeAll } from 'vitest';
import { migratedPersistence } from '#test/support/postgres-persistence.ts';
import { createTestDatabase, withServices } from '#test/support/services.ts';
import { accountStandingsContract } from './account-standings.contract.ts';
import { chatroomRepositoryContract } from './chatroom-repository.contract.ts';
import { idempotencyKeysContract } from './idempotency-keys.contract.ts';
import { messageRepositoryContract } from './message-repository.contract.ts';
import { oneStatementMessagesContract } from './one-statement-messages.contract.ts';
import { otpRepositoryContract } from './otp-repository.contract.ts';
import type { MakePersistence } from './persistence-givens.ts';
import { subscriptionRepositoryContract } from './subscription-repository.contract.ts';
import { unitOfWorkContract } from './unit-of-work.contract.ts';
import { usageCounterContract } from './usage-counter.contract.ts';
import { userRepositoryContract } from './user-repository.contract.ts';

const found = await createTestDatabase();

withServices([found], (database) => {
  let persistence: Awaited<ReturnType<typeof migratedPersistence>>;
  beforeAll(async () => {
    persistence = await migratedPersistence({ clientUrl: database.url, pool: { max: 10 } });
  });
  afterAll(async () => {
    await persistence.close();
    await database.drop();
  });
  const postgres: MakePersistence = () => persistence.fixture();
  userRepositoryContract('PostgreSQL', postgres);
  otpRepositoryContract('PostgreSQL', postgres);
  chatroomRepositoryContract('PostgreSQL', postgres);
  messageRepositoryContract('PostgreSQL', postgres);
  oneStatementMessagesContract('PostgreSQL', postgres);
  idempotencyKeysContract('PostgreSQL', postgres);
  subscriptionRepositoryContract('PostgreSQL', postgres);
  usageCounterContract('PostgreSQL', postgres);
  accountStandingsContract('PostgreSQL', postgres);
  unitOfWorkContract('PostgreSQL', postgres);
});
