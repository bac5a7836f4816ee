import { ContainerModule, type ServiceIdentifier } from 'inversify';
import { Argon2PasswordHasher } from '#adapters/auth/argon2-password-hasher.ts';
import { HmacOtpCodes } from '#adapters/auth/hmac-otp-codes.ts';
import { JwtTokenService } from '#adapters/auth/jwt-token-service.ts';
import { LogOtpSender, ResponseOtpSender } from '#adapters/auth/otp-senders.ts';
import { type PinoInstance, PinoLogger } from '#adapters/system/pino-logger.ts';
import { SystemClock } from '#adapters/system/system-clock.ts';
import { UuidV7Ids } from '#adapters/system/uuid-v7-ids.ts';
import type { ReplyJobHandler } from '#application/ports/reply-queue.ts';
import type { Settings } from '#application/shared/settings.ts';
import { createReplyHandler, createUseCases, type Ports } from '#application/use-cases.ts';
import type { Config } from '../config.ts';
import type { Scope } from '../persistence.ts';
import { TOKENS } from '../tokens.ts';

/** Which token provides each port of the use cases: a wrong pairing does not compile. */
const PORT_TOKENS = {
  settings: TOKENS.Settings,
  logger: TOKENS.Logger,
  clock: TOKENS.Clock,
  ids: TOKENS.IdGenerator,
  users: TOKENS.UserRepository,
  otps: TOKENS.OtpRepository,
  chatrooms: TOKENS.ChatroomRepository,
  messages: TOKENS.MessageRepository,
  subscriptions: TOKENS.SubscriptionRepository,
  cache: TOKENS.Cache,
  usage: TOKENS.UsageCounter,
  rateLimiter: TOKENS.RateLimiter,
  queue: TOKENS.ReplyQueue,
  model: TOKENS.LanguageModel,
  payments: TOKENS.PaymentGateway,
  verifier: TOKENS.PaymentEventVerifier,
  tokens: TOKENS.TokenService,
  hasher: TOKENS.PasswordHasher,
  codes: TOKENS.OtpCodes,
  sender: TOKENS.OtpSender,
} satisfies { [K in keyof Ports]: ServiceIdentifier<Ports[K]> };

const PORT_NAMES = Object.keys(PORT_TOKENS) as (keyof Ports)[];

function assemblePorts(values: unknown[]): Ports {
  return Object.fromEntries(PORT_NAMES.map((name, index) => [name, values[index]])) as unknown as Ports;
}

export function settingsOf(config: Config): Settings {
  return {
    otpTtlSeconds: config.otp.ttlSeconds,
    quota: config.quota,
    chatroomCacheTtlSeconds: config.chatroomCacheTtlSeconds,
    replyWaitMs: config.replyWaitMs,
  };
}

/** Each job in its own unit of work, never in the one of the request that enqueued it. */
function withScope(handler: ReplyJobHandler, scope: Scope): ReplyJobHandler {
  return {
    handle: (job) => scope(() => handler.handle(job)),
    giveUp: (job, error) => scope(() => handler.giveUp(job, error)),
  };
}

/** Configuration, the process-wide services (clock, ids, logging, tokens, hashing) and the use cases themselves. */
export function coreModule(config: Config, log: PinoInstance, scope: Scope): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.Settings).toConstantValue(settingsOf(config));
    bind(TOKENS.Logger).toConstantValue(new PinoLogger(log));
    bind(TOKENS.Clock).toConstantValue(new SystemClock());
    bind(TOKENS.IdGenerator).toConstantValue(new UuidV7Ids());
    bind(TOKENS.TokenService).toConstantValue(
      new JwtTokenService({ secret: config.jwt.secret, expiresIn: config.jwt.expiresIn }),
    );
    bind(TOKENS.PasswordHasher).toConstantValue(new Argon2PasswordHasher());
    bind(TOKENS.OtpCodes).toConstantValue(new HmacOtpCodes({ key: config.jwt.secret }));
    bind(TOKENS.OtpSender)
      .toResolvedValue(
        (logger) => (config.otp.delivery === 'log' ? new LogOtpSender(logger) : new ResponseOtpSender()),
        [TOKENS.Logger],
      )
      .inSingletonScope();
    bind(TOKENS.ReplyJobHandler)
      .toResolvedValue(
        (messages, model, usage, logger) =>
          withScope(createReplyHandler({ messages, model, usage, logger }), scope),
        [TOKENS.MessageRepository, TOKENS.LanguageModel, TOKENS.UsageCounter, TOKENS.Logger],
      )
      .inSingletonScope();
    bind(TOKENS.UseCases)
      .toResolvedValue(
        (...values: unknown[]) => createUseCases(assemblePorts(values)),
        Object.values(PORT_TOKENS),
      )
      .inSingletonScope();
  });
}
