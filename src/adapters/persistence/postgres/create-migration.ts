import { MikroORM } from '@mikro-orm/postgresql';
import { embeddedPostgres } from './embedded-postgres.ts';
import { MIGRATIONS_PATH, ormOptions } from './orm-options.ts';

/**
 * `npm run migration:create [name]`: applies the committed migrations to a throwaway in-memory PostgreSQL and
 * writes what the mappings add on top of them as a new migration file (nothing when they agree).
 */
const { options } = await embeddedPostgres();
const orm = await MikroORM.init(ormOptions(options));
try {
  await orm.migrator.up();
  const created = await orm.migrator.create(MIGRATIONS_PATH, false, false, process.argv[2]);
  const path = `${MIGRATIONS_PATH}/${created.fileName}`;
  console.log(
    created.diff.up.length === 0
      ? 'The migrations match the mappings: nothing to create.'
      : `Created ${path}; review it and format it with: npx biome check --write ${path}`,
  );
} finally {
  await orm.close();
}
