import { readdir } from 'node:fs/promises';
import { isAbsolute, matchesGlob } from 'node:path';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '#application/ports/logger.ts';

const EXTENSION = /\.(?:[cm]?[jt]s)$/;

/**
 * Whether every migration file is recorded as executed: a read of the migrations table and of the folder, where the
 * migrator (which also loads every migration module) takes tens of milliseconds more to find nothing to do at each
 * start. False, for the migrator to decide, when there is no table yet (a new database) or a file is not recorded.
 */
async function nothingPending(orm: MikroORM): Promise<boolean> {
  const { path, pathTs, glob, tableName, schema, migrationsList } = orm.config.get('migrations');
  // Only the plain set-up (ormOptions'): one folder at an absolute path, a table of the default schema.
  if (migrationsList || pathTs || schema || !path || !isAbsolute(path) || !glob || !tableName) return false;
  if (!/^[a-z_][a-z0-9_]*$/.test(tableName)) return false;
  const em = orm.em.fork();
  const [table] = await em.execute<{ found: boolean }[]>('select to_regclass(?) is not null as found', [
    tableName,
  ]);
  if (!table?.found) return false;
  const rows = await em.execute<{ name: string }[]>(`select name from "${tableName}"`);
  const recorded = new Set(rows.map((row) => row.name.replace(EXTENSION, '')));
  const files = (await readdir(path)).filter((file) => matchesGlob(file, glob));
  return files.every((file) => recorded.has(file.replace(EXTENSION, '')));
}

/** Applies the committed migrations not applied yet; returns their names. */
export async function applyMigrations(orm: MikroORM, logger: Logger): Promise<string[]> {
  if (await nothingPending(orm)) return [];
  const applied = (await orm.migrator.up()).map((migration) => migration.name);
  if (applied.length > 0) logger.info({ migrations: applied }, 'database migrations applied');
  return applied;
}
