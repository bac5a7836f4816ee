import { DEFAULT_RATE_LIMIT_RULES, FlexibleRateLimiter } from '#adapters/cache/flexible-rate-limiter.ts';
import { InMemoryCache } from '#adapters/cache/in-memory-cache.ts';
import { createInMemoryRepositories } from '#adapters/persistence/in-memory/create-in-memory-repositories.ts';
import { InProcessReplyEvents } from '#adapters/streams/in-process-reply-events.ts';
import type { Settings } from '#application/shared/settings.ts';
import type { User } from '#domain/user/user.ts';
import {
  FakePasswordHasher,
  FakeTokenService,
  RecordingOtpSender,
  SequentialOtpCodes,
} from './auth-doubles.ts';
import { aUser } from './builders.ts';
import { FixedClock } from './clock.ts';
import { SequentialIds } from './ids.ts';
import { SilentLogger } from './silent-logger.ts';

export const TEST_SETTINGS: Settings = {
  otpTtlSeconds: 300,
  quota: { basic: 5, pro: 500 },
  replyWaitMs: 2_000,
};

/** Every port a use case needs, in memory, on a fixed clock and sequential ids: `new SendMessage(world)` just works. */
export function aWorld(settings: Partial<Settings> = {}) {
  const clock = new FixedClock();
  const repositories = createInMemoryRepositories();
  const replyEvents = new InProcessReplyEvents();
  return {
    ...repositories,
    events: replyEvents,
    cancellation: replyEvents,
    clock,
    ids: new SequentialIds(),
    logger: new SilentLogger(),
    settings: { ...TEST_SETTINGS, ...settings },
    cache: new InMemoryCache({ now: () => clock.now().getTime() }),
    rateLimiter: new FlexibleRateLimiter({ rules: DEFAULT_RATE_LIMIT_RULES, store: { kind: 'memory' } }),
    hasher: new FakePasswordHasher(),
    tokens: new FakeTokenService(clock),
    codes: new SequentialOtpCodes(),
    sender: new RecordingOtpSender(),
  };
}

export type World = ReturnType<typeof aWorld>;

/** A registered user, stored in the world's repository. */
export async function givenUser(world: World, overrides: Parameters<typeof aUser>[0] = {}): Promise<User> {
  const user = aUser({ createdAt: world.clock.now(), ...overrides });
  await world.users.create(user);
  return user;
}
