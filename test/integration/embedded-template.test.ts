import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { MikroORM } from '@mikro-orm/postgresql';
import { describe, expect, it } from 'vitest';
import { applyMigrations } from '#adapters/persistence/postgres/apply-migrations.ts';
import { embeddedPostgres } from '#adapters/persistence/postgres/embedded-postgres.ts';
import {
  copyTemplate,
  installedPgliteVersion,
  readTar,
  readTemplateManifest,
  writeTar,
} from '#adapters/persistence/postgres/embedded-template.ts';
import { MIGRATIONS_PATH, ormOptions } from '#adapters/persistence/postgres/orm-options.ts';
import { postgresRepositories } from '#adapters/persistence/postgres/repositories.ts';
import { openDatabase } from '#bootstrap/database.ts';
import { aUser } from '#test/support/builders.ts';
import { SilentLogger } from '#test/support/silent-logger.ts';
import { tempDirPerTest } from '#test/support/temp-dir.ts';

const REGENERATE = 'the template is stale: run `npm run embedded:template` and commit what it writes';

/** The committed migrations, by name, in the order they run. */
async function committedMigrations(): Promise<string[]> {
  return (await readdir(MIGRATIONS_PATH))
    .filter((file) => /^Migration.*\.ts$/.test(file))
    .map((file) => file.replace(/\.ts$/, ''))
    .sort();
}

/** The id initdb gave the cluster: a copy of the template keeps the template's, a new initdb draws another. */
async function systemIdentifier(query: (sql: string) => Promise<{ id: string }[]>): Promise<string> {
  const [row] = await query('select system_identifier::text as id from pg_control_system()');
  return row!.id;
}

describe('the embedded database template', () => {
  const parent = tempDirPerTest('embedded-template-');

  it('holds every committed migration, and was made by the installed PGlite', async () => {
    const manifest = await readTemplateManifest();
    expect(manifest?.pglite, REGENERATE).toBe(await installedPgliteVersion());
    expect(manifest?.migrations, REGENERATE).toEqual(await committedMigrations());

    // What its files hold, not only what its manifest says.
    expect(await copyTemplate(parent())).toBe(true);
    const db = await PGlite.create(parent());
    try {
      const { rows } = await db.query<{ name: string }>('select name from mikro_orm_migrations order by id');
      expect(
        rows.map((row) => row.name),
        REGENERATE,
      ).toEqual(await committedMigrations());
    } finally {
      await db.close();
    }
  });

  it('is what a first start on an empty DATA_DIR runs on: migrations recorded, data kept across a restart', async () => {
    await copyTemplate(join(parent(), 'template'));
    const template = await PGlite.create(join(parent(), 'template'));
    const templateId = await systemIdentifier(
      async (sql) => (await template.query<{ id: string }>(sql)).rows,
    );
    await template.close();

    const config = { url: undefined, poolMax: 2, dataDir: join(parent(), 'data'), migrateOnStart: true };
    const logger = new SilentLogger();
    const first = await openDatabase(config, logger);
    const user = aUser();
    try {
      expect(await systemIdentifier((sql) => first.ems.current().execute(sql))).toBe(templateId);
      const recorded = await first.ems
        .current()
        .execute<{ name: string }[]>('select name from mikro_orm_migrations order by id');
      expect(recorded.map((row) => row.name)).toEqual(await committedMigrations());
      await postgresRepositories(first.ems).users.create(user);
      await first.healthCheck.check();
    } finally {
      await first.close();
    }
    expect(logger.messages('info'), REGENERATE).not.toContain('database migrations applied');

    const again = await openDatabase(config, logger);
    try {
      expect(await postgresRepositories(again.ems).users.findById(user.id)).toEqual(user);
      // Small shared memory: initdb's was set up in the WebAssembly memory at every start.
      const [buffers] = await again.ems
        .current()
        .execute<{ shared_buffers: string }[]>('show shared_buffers');
      const [connections] = await again.ems
        .current()
        .execute<{ max_connections: string }[]>('show max_connections');
      expect([buffers?.shared_buffers, connections?.max_connections]).toEqual(['16MB', '5']);
    } finally {
      await again.close();
    }
  });

  it('is copied again over a copy that was cut short (no PG_VERSION yet)', async () => {
    const dataDir = join(parent(), 'data');
    await mkdir(join(dataDir, 'global'), { recursive: true });
    await writeFile(join(dataDir, 'global', 'pg_control'), 'cut short');
    const db = await openDatabase(
      { url: undefined, poolMax: 2, dataDir, migrateOnStart: true },
      new SilentLogger(),
    );
    try {
      await db.healthCheck.check();
    } finally {
      await db.close();
    }
  });

  it('is left out when asked: PGlite runs initdb (what `npm run embedded:template` starts from)', async () => {
    const { options } = await embeddedPostgres(join(parent(), 'data'), { template: false });
    const orm = await MikroORM.init(ormOptions(options));
    try {
      await expect(orm.em.fork().execute('select 1 from mikro_orm_migrations')).rejects.toThrow(
        /mikro_orm_migrations/,
      );
    } finally {
      await orm.close();
    }
  });
});

describe('applyMigrations', () => {
  it('applies the migrations not recorded yet when some are', async () => {
    const orm = await MikroORM.init(ormOptions((await embeddedPostgres()).options));
    try {
      const [oldest, ...rest] = await committedMigrations();
      await orm.migrator.up({ to: oldest });
      expect(await applyMigrations(orm, new SilentLogger())).toEqual(rest);
      expect(await applyMigrations(orm, new SilentLogger())).toEqual([]);
    } finally {
      await orm.close();
    }
  });
});

describe('the template archive (ustar)', () => {
  it('reads back what it wrote, long paths and empty files included', () => {
    const long = `${'d'.repeat(90)}/${'e'.repeat(60)}`;
    const entries = [
      { name: 'PG_VERSION', type: 'file' as const, data: Buffer.from('17\n') },
      { name: 'base', type: 'directory' as const, data: new Uint8Array() },
      { name: 'base/empty', type: 'file' as const, data: new Uint8Array() },
      { name: long, type: 'file' as const, data: Buffer.alloc(1025, 7) },
    ];
    const read = readTar(writeTar(entries));
    expect(read.map(({ name, type }) => ({ name, type }))).toEqual(
      entries.map(({ name, type }) => ({ name, type })),
    );
    expect(read.map((entry) => Buffer.from(entry.data))).toEqual(
      entries.map((entry) => Buffer.from(entry.data)),
    );
  });

  it('refuses a damaged header', () => {
    const tar = writeTar([{ name: 'PG_VERSION', type: 'file', data: Buffer.from('17\n') }]);
    tar[0] = 'Q'.charCodeAt(0);
    expect(() => readTar(tar)).toThrow(/not a ustar header/);
  });
});
