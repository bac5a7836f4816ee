import { PinoLogger } from '#adapters/system/pino-logger.ts';
import { ConfigError, loadConfig } from './config.ts';
import { openDatabase } from './database.ts';

/** `npm run migrate`: applies the pending migrations to DATABASE_URL (or the embedded database) and exits. */
async function main(): Promise<void> {
  try {
    process.loadEnvFile('.env');
  } catch {
    // no .env: the environment alone configures the database
  }
  const config = loadConfig(process.env, { forMigrations: true });
  const logger = new PinoLogger(config.logLevel);
  const database = await openDatabase({ ...config.database, migrateOnStart: true }, logger);
  await database.close();
  logger.info({ database: database.describe }, 'the database schema is up to date');
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
