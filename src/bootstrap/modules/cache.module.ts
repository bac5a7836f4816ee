import { ContainerModule } from 'inversify';
import {
  DEFAULT_RATE_LIMIT_RULES,
  FlexibleRateLimiter,
  type RateLimitStore,
} from '#adapters/cache/flexible-rate-limiter.ts';
import { InMemoryCache } from '#adapters/cache/in-memory-cache.ts';
import type { Cache } from '#application/ports/cache.ts';
import { TOKENS } from '../tokens.ts';

/** The chatroom-list cache and the OTP/login rate limits, within this process. */
export const inMemoryCacheModule = new ContainerModule(({ bind }) => {
  bind(TOKENS.Cache).toConstantValue(new InMemoryCache());
  bind(TOKENS.RateLimiter).toConstantValue(
    new FlexibleRateLimiter({ rules: DEFAULT_RATE_LIMIT_RULES, store: { kind: 'memory' } }),
  );
});

/** The same on Redis, shared by every API process. */
export function redisCacheModule(options: { cache: Cache; rateLimitStore: RateLimitStore }): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.Cache).toConstantValue(options.cache);
    bind(TOKENS.RateLimiter)
      .toResolvedValue(
        (logger) =>
          new FlexibleRateLimiter({ rules: DEFAULT_RATE_LIMIT_RULES, store: options.rateLimitStore, logger }),
        [TOKENS.Logger],
      )
      .inSingletonScope();
  });
}
