import { ContainerModule } from 'inversify';
import { Argon2PasswordHasher } from '#adapters/auth/argon2-password-hasher.ts';
import { HmacOtpCodes } from '#adapters/auth/hmac-otp-codes.ts';
import { JwtTokenService } from '#adapters/auth/jwt-token-service.ts';
import { SystemClock } from '#adapters/system/system-clock.ts';
import { UuidV7Ids } from '#adapters/system/uuid-v7-ids.ts';
import type { Logger } from '#application/ports/logger.ts';
import type { Config } from '../config.ts';
import { createOtpSender } from '../otp-sender.ts';
import type { Shutdown } from '../shutdown.ts';
import { TOKENS } from '../tokens.ts';

/** Configuration and the process-wide services: logging, shutdown, clock, ids, tokens, hashing, OTP delivery. */
export function coreModule(config: Config, logger: Logger, shutdown: Shutdown): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.Settings).toConstantValue({
      otpTtlSeconds: config.otp.ttlSeconds,
      quota: config.quota,
      replyWaitMs: config.replyWaitMs,
    });
    bind(TOKENS.Logger).toConstantValue(logger);
    bind(TOKENS.Shutdown).toConstantValue(shutdown);
    bind(TOKENS.Clock).toResolvedValue(() => new SystemClock());
    bind(TOKENS.IdGenerator).toResolvedValue(() => new UuidV7Ids());
    bind(TOKENS.TokenService).toResolvedValue(
      () => new JwtTokenService({ secret: config.jwt.secret, expiresIn: config.jwt.expiresIn }),
    );
    bind(TOKENS.PasswordHasher).toResolvedValue(() => new Argon2PasswordHasher());
    bind(TOKENS.OtpCodes).toResolvedValue(() => new HmacOtpCodes({ key: config.jwt.secret }));
    bind(TOKENS.OtpSender).toResolvedValue((log) => createOtpSender(config, log), [TOKENS.Logger]);
  });
}
