import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { afterAll, describe, expect, it } from 'vitest';
import { applyMigrations } from '#adapters/persistence/postgres/apply-migrations.ts';
import { embeddedPostgres } from '#adapters/persistence/postgres/embedded-postgres.ts';
import { ormOptions } from '#adapters/persistence/postgres/orm-options.ts';
import { postgresRepositories } from '#adapters/persistence/postgres/repositories.ts';
import { ChatroomSchema } from '#adapters/persistence/postgres/schemas/chatroom.schema.ts';
import { MessageSchema } from '#adapters/persistence/postgres/schemas/message.schema.ts';
import { OtpSchema } from '#adapters/persistence/postgres/schemas/otp.schema.ts';
import { SubscriptionSchema } from '#adapters/persistence/postgres/schemas/subscription.schema.ts';
import { UserSchema } from '#adapters/persistence/postgres/schemas/user.schema.ts';
import { openDatabase } from '#bootstrap/database.ts';
import { aChatroom, aMessage, aMobile, anOtp, aSubscription, aUser } from '#test/support/builders.ts';
import { createTestDatabase, withServices } from '#test/support/services.ts';
import { SilentLogger } from '#test/support/silent-logger.ts';

const run = promisify(execFile);

/** The committed migrations, applied to an empty database, leave nothing for the schema generator to change. */
async function expectNoDrift(connection: Options): Promise<void> {
  const orm = await MikroORM.init(ormOptions(connection));
  try {
    const applied = await applyMigrations(orm, new SilentLogger());
    expect(applied.length).toBeGreaterThan(0);
    expect(await orm.migrator.getPending()).toEqual([]);
    expect((await orm.schema.getUpdateSchemaSQL({ wrap: false })).trim()).toBe('');
  } finally {
    await orm.close();
  }
}

describe('migrations on the embedded database (PGlite)', () => {
  it('build exactly the schema the mappings describe', async () => {
    await expectNoDrift((await embeddedPostgres()).options);
  });
});

describe('mappings', () => {
  it('map every field of each domain class, and nothing else', () => {
    const samples = [
      [UserSchema, aUser()],
      [OtpSchema, anOtp({ mobile: aMobile() })],
      [ChatroomSchema, aChatroom()],
      [MessageSchema, aMessage()],
      [SubscriptionSchema, aSubscription()],
    ] as const;
    for (const [schema, instance] of samples) {
      const mapped = Object.keys(schema.meta.properties).sort();
      expect(mapped, schema.meta.className).toEqual(Object.keys(instance).sort());
    }
  });
});

const database = await createTestDatabase();

withServices([database], (database) => {
  describe('migrations on PostgreSQL', () => {
    afterAll(() => database.drop());
    const config = () => ({ url: database.url, poolMax: 2, dataDir: '', migrateOnStart: true });

    it('are not applied at start when MIGRATE_ON_START is false', async () => {
      const db = await openDatabase({ ...config(), migrateOnStart: false }, new SilentLogger());
      try {
        await expect(postgresRepositories(db.ems).users.findById(aUser().id)).rejects.toThrow(/users/);
      } finally {
        await db.close();
      }
    });

    it('are applied by `npm run migrate`, which can run again', async () => {
      const env = { ...process.env, DATABASE_URL: database.url, LOG_LEVEL: 'silent' };
      await run(process.execPath, ['src/bootstrap/migrate.ts'], { env });
      await run(process.execPath, ['src/bootstrap/migrate.ts'], { env });
      const logger = new SilentLogger();
      const db = await openDatabase(config(), logger);
      await db.close();
      expect(logger.messages()).not.toContain('database migrations applied');
    });

    it('build exactly the schema the mappings describe', async () => {
      const fresh = await createTestDatabase();
      if (!fresh.available) throw new Error(fresh.reason);
      try {
        await expectNoDrift({ clientUrl: fresh.url });
      } finally {
        await fresh.drop();
      }
    });
  });

  describe('openDatabase', () => {
    it('applies the migrations at start once, and serves the repositories', async () => {
      const fresh = await createTestDatabase();
      if (!fresh.available) throw new Error(fresh.reason);
      const config = { url: fresh.url, poolMax: 2, dataDir: '', migrateOnStart: true };
      try {
        const logger = new SilentLogger();
        const first = await openDatabase(config, logger);
        const user = aUser();
        await postgresRepositories(first.ems).users.create(user);
        await first.healthCheck.check();
        await first.close();
        expect(logger.messages('info')).toEqual(['database migrations applied']);

        const again = await openDatabase(config, logger);
        expect(await postgresRepositories(again.ems).users.findById(user.id)).toEqual(user);
        await again.close();
        expect(logger.messages('info')).toEqual(['database migrations applied']);
      } finally {
        await fresh.drop();
      }
    });
  });
});

describe('openDatabase without DATABASE_URL', () => {
  it('keeps the data in DATA_DIR (created if missing) across a restart, for one process at a time', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'embedded-restart-'));
    const config = { url: undefined, poolMax: 2, dataDir: join(parent, 'data'), migrateOnStart: true };
    try {
      const first = await openDatabase(config, new SilentLogger());
      expect(first.describe).toBe(`embedded-postgres (pglite) at ${config.dataDir}`);
      const user = aUser();
      await postgresRepositories(first.ems).users.create(user);
      // A second instance on the same files would corrupt them.
      await expect(openDatabase(config, new SilentLogger())).rejects.toThrow(/is in use by another process/);
      await first.close();

      const again = await openDatabase(config, new SilentLogger());
      expect(await postgresRepositories(again.ems).users.findByMobile(user.mobile)).toEqual(user);
      await again.close();
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
});
