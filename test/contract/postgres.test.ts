import { afterAll, it } from 'vitest';
import { migratedPersistence } from '#test/support/postgres-persistence.ts';
import { createTestDatabase } from '#test/support/services.ts';
import { persistenceContract } from './persistence.contract.ts';

const database = await createTestDatabase();

if (database.available) {
  const persistence = await migratedPersistence({ clientUrl: database.url, pool: { max: 10 } });
  afterAll(async () => {
    await persistence.close();
    await database.drop();
  });
  persistenceContract('MikroORM on PostgreSQL', () => persistence.fixture());
} else {
  it.skip(`PostgreSQL persistence contract: ${database.reason}`, () => {});
}
