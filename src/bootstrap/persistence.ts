import { createInMemoryRepositories } from '#adapters/persistence/in-memory/create-in-memory-repositories.ts';
import type { HealthCheck } from '#application/ports/health-check.ts';
import type { Logger } from '#application/ports/logger.ts';
import type { Repositories } from '#application/ports/repositories.ts';
import type { Config } from './config.ts';

/** Runs a unit of work (one HTTP request, one queue job) with its own persistence context. */
export type Scope = <T>(fn: () => Promise<T>) => Promise<T>;

export interface Persistence {
  repositories: Repositories;
  scope: Scope;
  healthCheck: HealthCheck;
  describe: string;
  close(): Promise<void>;
}

/** DATABASE_URL=memory: nothing kept, for tests and quick tries. */
export function inMemoryPersistence(): Persistence {
  return {
    repositories: createInMemoryRepositories(),
    scope: (fn) => fn(),
    healthCheck: { name: 'database', check: async () => {} },
    describe: 'in-memory',
    close: async () => {},
  };
}

/** PostgreSQL at DATABASE_URL, the embedded one under DATA_DIR when unset, or memory. */
export async function openPersistence(config: Config, logger: Logger): Promise<Persistence> {
  if (config.database.url === 'memory') return inMemoryPersistence();
  const { openDatabase } = await import('./database.ts');
  return openDatabase(config.database, logger);
}
