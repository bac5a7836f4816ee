import { ContainerModule } from 'inversify';
import { CachedUserRepository } from '#adapters/cache/cached-user-repository.ts';
import { RedisUserInvalidations } from '#adapters/cache/redis-user-invalidations.ts';
import { LocalUserInvalidations, type UserInvalidations } from '#adapters/cache/user-invalidations.ts';
import type { Foundation } from '../container.ts';
import { TOKENS } from '../tokens.ts';

/**
 * API processes keep recent users in memory for authentication, when every process that can change a user can
 * tell them: over Redis Pub/Sub, or alone on the embedded database (its directory is locked to one process).
 * Without Redis on a PostgreSQL server (other processes may share it unannounced) and in memory, nothing changes.
 */
export function cachedUsersModule(foundation: Foundation): ContainerModule | null {
  const { config, database, redis, logger } = foundation;
  if (config.role === 'worker' || !database) return null;
  let invalidations: UserInvalidations;
  if (redis) {
    const announced = new RedisUserInvalidations({
      client: redis.commands,
      subscriber: redis.subscriber,
      keyPrefix: config.redis.keyPrefix,
      logger,
    });
    void announced.subscribe();
    invalidations = announced;
  } else if (!config.database.url) {
    invalidations = new LocalUserInvalidations();
  } else {
    return null;
  }
  return new ContainerModule(({ onActivation }) => {
    onActivation(
      TOKENS.UserRepository,
      (_, repository) => new CachedUserRepository({ repository, invalidations }),
    );
  });
}
