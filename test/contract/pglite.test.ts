import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { embeddedPostgres } from '#adapters/persistence/postgres/embedded-postgres.ts';
import { migratedPersistence } from '#test/support/postgres-persistence.ts';
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

const dataDir = await mkdtemp(join(tmpdir(), 'pglite-contract-'));
const persistence = await migratedPersistence((await embeddedPostgres(dataDir)).options);
afterAll(async () => {
  await persistence.close();
  await rm(dataDir, { recursive: true, force: true });
});

const name = 'PostgreSQL embedded (PGlite)';
const pglite: MakePersistence = () => persistence.fixture();
userRepositoryContract(name, pglite);
otpRepositoryContract(name, pglite);
chatroomRepositoryContract(name, pglite);
messageRepositoryContract(name, pglite);
oneStatementMessagesContract(name, pglite);
idempotencyKeysContract(name, pglite);
subscriptionRepositoryContract(name, pglite);
usageCounterContract(name, pglite);
accountStandingsContract(name, pglite);
unitOfWorkContract(name, pglite);
