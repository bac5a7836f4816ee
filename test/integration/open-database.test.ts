import { afterEach, describe, expect, it } from 'vitest';
import { type EmbeddedDatabase, openEmbedded } from '#adapters/persistence/postgres/embedded-database.ts';
import { openDatabase } from '#bootstrap/database.ts';
import { SilentLogger } from '#test/support/silent-logger.ts';

/**
 * openDatabase takes an embedded database that may still be opening (main.ts starts it first): MikroORM's init runs
 * meanwhile, and the dialect takes the database at its first query (src/bootstrap/database.ts).
 */
const CONFIG = { url: undefined, poolMax: 1, dataDir: '/nowhere', migrateOnStart: true };
const logger = new SilentLogger();
const opened: EmbeddedDatabase[] = [];

afterEach(async () => {
  for (const database of opened.splice(0)) if (!database.thread.closed) await database.thread.close();
});

describe('openDatabase on an embedded database being opened', () => {
  it('waits for it, migrates it, and closes it', async () => {
    let finish!: (database: EmbeddedDatabase) => void;
    const opening = new Promise<EmbeddedDatabase>((resolve) => {
      finish = resolve;
    });
    const database = openDatabase(CONFIG, logger, opening);
    const embedded = await openEmbedded(undefined, { template: false });
    opened.push(embedded);
    finish(embedded);
    const open = await database;
    const [row] = await open.ems.current().execute('select count(*)::int as n from mikro_orm_migrations');
    expect(row?.n).toBeGreaterThan(0);
    await open.close();
    expect(embedded.thread.closed).toBe(true);
  }, 60_000);

  it('closes it though nothing queried it (MIGRATE_ON_START=false)', async () => {
    const embedded = await openEmbedded(undefined, { template: false });
    opened.push(embedded);
    const open = await openDatabase({ ...CONFIG, migrateOnStart: false }, logger, Promise.resolve(embedded));
    await open.close();
    expect(embedded.thread.closed).toBe(true);
  }, 60_000);

  it('fails with the opening’s error', async () => {
    await expect(
      openDatabase(CONFIG, logger, Promise.reject(new Error('the data directory is damaged'))),
    ).rejects.toThrow('the data directory is damaged');
  });
});
