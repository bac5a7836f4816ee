import type { ServiceIdentifier } from 'inversify';
import type { Cache } from '#application/ports/cache.ts';
import type { ChatroomRepository } from '#application/ports/chatroom-repository.ts';
import type { Clock } from '#application/ports/clock.ts';
import type { IdGenerator } from '#application/ports/id-generator.ts';
import type { LanguageModel } from '#application/ports/language-model.ts';
import type { Logger } from '#application/ports/logger.ts';
import type { MessageRepository } from '#application/ports/message-repository.ts';
import type { OtpCodes } from '#application/ports/otp-codes.ts';
import type { OtpRepository } from '#application/ports/otp-repository.ts';
import type { OtpSender } from '#application/ports/otp-sender.ts';
import type { PasswordHasher } from '#application/ports/password-hasher.ts';
import type { PaymentEventVerifier, PaymentGateway } from '#application/ports/payment-gateway.ts';
import type { RateLimiter } from '#application/ports/rate-limiter.ts';
import type { ReplyJobHandler, ReplyQueue } from '#application/ports/reply-queue.ts';
import type { SubscriptionRepository } from '#application/ports/subscription-repository.ts';
import type { TokenService } from '#application/ports/token-service.ts';
import type { UsageCounter } from '#application/ports/usage-counter.ts';
import type { UserRepository } from '#application/ports/user-repository.ts';
import type { Settings } from '#application/shared/settings.ts';
import type { UseCases } from '#application/use-cases.ts';

function token<T>(name: string): ServiceIdentifier<T> {
  return Symbol.for(`gemini-chat.${name}`) as ServiceIdentifier<T>;
}

/** Typed identifiers of everything the container wires. */
export const TOKENS = {
  Settings: token<Settings>('Settings'),
  Logger: token<Logger>('Logger'),
  Clock: token<Clock>('Clock'),
  IdGenerator: token<IdGenerator>('IdGenerator'),
  UserRepository: token<UserRepository>('UserRepository'),
  OtpRepository: token<OtpRepository>('OtpRepository'),
  ChatroomRepository: token<ChatroomRepository>('ChatroomRepository'),
  MessageRepository: token<MessageRepository>('MessageRepository'),
  SubscriptionRepository: token<SubscriptionRepository>('SubscriptionRepository'),
  Cache: token<Cache>('Cache'),
  UsageCounter: token<UsageCounter>('UsageCounter'),
  RateLimiter: token<RateLimiter>('RateLimiter'),
  ReplyQueue: token<ReplyQueue>('ReplyQueue'),
  ReplyJobHandler: token<ReplyJobHandler>('ReplyJobHandler'),
  LanguageModel: token<LanguageModel>('LanguageModel'),
  PaymentGateway: token<PaymentGateway>('PaymentGateway'),
  PaymentEventVerifier: token<PaymentEventVerifier>('PaymentEventVerifier'),
  TokenService: token<TokenService>('TokenService'),
  PasswordHasher: token<PasswordHasher>('PasswordHasher'),
  OtpCodes: token<OtpCodes>('OtpCodes'),
  OtpSender: token<OtpSender>('OtpSender'),
  UseCases: token<UseCases>('UseCases'),
} as const;
