import { afterAll, beforeAll } from 'vitest';
import { migratedPersistence } from '#test/support/postgres-persistence.ts';
import { createTestDatabase, withServices } from '#test/support/services.ts';
import { persistenceContract } from './persistence.contract.ts';

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
  persistenceContract('MikroORM on PostgreSQL', () => persistence.fixture());
});
