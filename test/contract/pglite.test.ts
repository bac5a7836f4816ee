import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { embeddedPostgres } from '#adapters/persistence/postgres/embedded-postgres.ts';
import { migratedPersistence } from '#test/support/postgres-persistence.ts';
import { persistenceContract } from './persistence.contract.ts';

const dataDir = await mkdtemp(join(tmpdir(), 'pglite-contract-'));
const persistence = await migratedPersistence((await embeddedPostgres(dataDir)).options);
afterAll(async () => {
  await persistence.close();
  await rm(dataDir, { recursive: true, force: true });
});

persistenceContract('MikroORM on embedded PostgreSQL (PGlite)', () => persistence.fixture());
