import { ContainerModule } from 'inversify';
import { DEFAULT_RATE_LIMIT_RULES, FlexibleRateLimiter } from '#adapters/cache/flexible-rate-limiter.ts';
import { InMemoryCache } from '#adapters/cache/in-memory-cache.ts';
import { InProcessReplyQueue } from '#adapters/queue/in-process-reply-queue.ts';
import { InProcessReplyEvents } from '#adapters/streams/in-process-reply-events.ts';
import type { Config } from '../config.ts';
import { TOKENS } from '../tokens.ts';

/** REDIS_URL unset: the list cache, the rate limits, the reply queue and the reply streams live in this process. */
export function inProcessModule(config: Config): ContainerModule {
  return new ContainerModule(({ bind }) => {
    const replyEvents = new InProcessReplyEvents();
    bind(TOKENS.ReplyEventLog).toConstantValue(replyEvents);
    bind(TOKENS.ReplyCancellation).toConstantValue(replyEvents);
    bind(TOKENS.Cache).toResolvedValue(() => new InMemoryCache());
    bind(TOKENS.RateLimiter).toResolvedValue(
      () => new FlexibleRateLimiter({ rules: DEFAULT_RATE_LIMIT_RULES, store: { kind: 'memory' } }),
    );
    bind(TOKENS.ReplyQueue).toResolvedValue(
      (handler, logger, shutdown) =>
        shutdown.closes(new InProcessReplyQueue({ handler, logger, backoffMs: config.replyBackoffMs })),
      [TOKENS.ReplyJobHandler, TOKENS.Logger, TOKENS.Shutdown],
    );
  });
}
