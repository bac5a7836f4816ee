import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '#application/ports/logger.ts';

/** Applies the committed migrations not applied yet; returns their names. */
export async function applyMigrations(orm: MikroORM, logger: Logger): Promise<string[]> {
  const applied = (await orm.migrator.up()).map((migration) => migration.name);
  if (applied.length > 0) logger.info({ migrations: applied }, 'database migrations applied');
  return applied;
}
