import type { Hono } from 'hono';
import type { ServiceIdentifier } from 'inversify';
import type { HealthCheck } from '#adapters/http/health-check.ts';
import type { PrometheusMetrics } from '#adapters/metrics/prometheus-metrics.ts';
import type { OfflinePaymentGateway } from '#adapters/payments/offline-payment-gateway.ts';
import type { BullMqReplyWorker } from '#adapters/queue/bullmq-reply-worker.ts';
import type { CountsReplyJobs } from '#adapters/queue/reply-job-counts.ts';
import type { Scope } from '#adapters/system/scope.ts';
import type { Authenticate } from '#application/auth/authenticate.ts';
import type { ChangePassword } from '#application/auth/change-password.ts';
import type { ForgotPassword } from '#application/auth/forgot-password.ts';
import type { LogIn } from '#application/auth/log-in.ts';
import type { SendOtp } from '#application/auth/send-otp.ts';
import type { SignUp } from '#application/auth/sign-up.ts';
import type { VerifyOtp } from '#application/auth/verify-otp.ts';
import type { ApplyPaymentEvent } from '#application/billing/apply-payment-event.ts';
import type { GetSubscriptionStatus } from '#application/billing/get-subscription-status.ts';
import type { OpenBillingPortal } from '#application/billing/open-billing-portal.ts';
import type { StartCheckout } from '#application/billing/start-checkout.ts';
import type { CreateChatroom } from '#application/chatroom/create-chatroom.ts';
import type { DeleteChatroom } from '#application/chatroom/delete-chatroom.ts';
import type { GetChatroom } from '#application/chatroom/get-chatroom.ts';
import type { ListChatrooms } from '#application/chatroom/list-chatrooms.ts';
import type { GetMessage, ListMessages } from '#application/chatroom/list-messages.ts';
import type { RenameChatroom } from '#application/chatroom/rename-chatroom.ts';
import type { FollowReply } from '#application/messaging/follow-reply.ts';
import type { GenerateReply } from '#application/messaging/generate-reply.ts';
import type { ReconcileReplies } from '#application/messaging/reconcile-replies.ts';
import type { SendMessage } from '#application/messaging/send-message.ts';
import type { StopReply } from '#application/messaging/stop-reply.ts';
import type { AccountStandings } from '#application/ports/account-standings.ts';
import type { Cache } from '#application/ports/cache.ts';
import type { ChatroomRepository } from '#application/ports/chatroom-repository.ts';
import type { Clock } from '#application/ports/clock.ts';
import type { IdGenerator } from '#application/ports/id-generator.ts';
import type { IdempotencyKeys } from '#application/ports/idempotency-keys.ts';
import type { LanguageModel } from '#application/ports/language-model.ts';
import type { Logger } from '#application/ports/logger.ts';
import type { MessageRepository } from '#application/ports/message-repository.ts';
import type { Metrics } from '#application/ports/metrics.ts';
import type { OtpCodes } from '#application/ports/otp-codes.ts';
import type { OtpRepository } from '#application/ports/otp-repository.ts';
import type { OtpSender } from '#application/ports/otp-sender.ts';
import type { PasswordHasher } from '#application/ports/password-hasher.ts';
import type { PaymentEventVerifier, PaymentGateway } from '#application/ports/payment-gateway.ts';
import type { RateLimiter } from '#application/ports/rate-limiter.ts';
import type { ReplyCancellation, ReplyEventLog } from '#application/ports/reply-events.ts';
import type { ReplyJobHandler, ReplyQueue } from '#application/ports/reply-queue.ts';
import type { SubscriptionRepository } from '#application/ports/subscription-repository.ts';
import type { TokenService } from '#application/ports/token-service.ts';
import type { UnitOfWork } from '#application/ports/unit-of-work.ts';
import type { UsageCounter } from '#application/ports/usage-counter.ts';
import type { UserRepository } from '#application/ports/user-repository.ts';
import type { Settings } from '#application/shared/settings.ts';
import type { UseCases } from '#application/use-cases.ts';
import type { GetMe } from '#application/user/get-me.ts';
import type { Shutdown } from './shutdown.ts';

function token<T>(name: string): ServiceIdentifier<T> {
  return Symbol.for(`gemini-chat.${name}`) as ServiceIdentifier<T>;
}

/** Typed identifiers of everything the container wires: a factory given the wrong token does not compile. */
export const TOKENS = {
  // The process
  Settings: token<Settings>('Settings'),
  Logger: token<Logger>('Logger'),
  Shutdown: token<Shutdown>('Shutdown'),
  Clock: token<Clock>('Clock'),
  IdGenerator: token<IdGenerator>('IdGenerator'),
  Scope: token<Scope>('Scope'),
  /** Several bindings: every dependency GET /readyz checks. */
  HealthCheck: token<HealthCheck>('HealthCheck'),
  /** Several bindings: pages mounted next to the API (checkout return and offline checkout pages). */
  ExtraRoutes: token<Hono>('ExtraRoutes'),

  // Ports
  UserRepository: token<UserRepository>('UserRepository'),
  AccountStandings: token<AccountStandings>('AccountStandings'),
  OtpRepository: token<OtpRepository>('OtpRepository'),
  ChatroomRepository: token<ChatroomRepository>('ChatroomRepository'),
  MessageRepository: token<MessageRepository>('MessageRepository'),
  SubscriptionRepository: token<SubscriptionRepository>('SubscriptionRepository'),
  Cache: token<Cache>('Cache'),
  UsageCounter: token<UsageCounter>('UsageCounter'),
  RateLimiter: token<RateLimiter>('RateLimiter'),
  ReplyQueue: token<ReplyQueue>('ReplyQueue'),
  ReplyEventLog: token<ReplyEventLog>('ReplyEventLog'),
  IdempotencyKeys: token<IdempotencyKeys>('IdempotencyKeys'),
  UnitOfWork: token<UnitOfWork>('UnitOfWork'),
  ReplyCancellation: token<ReplyCancellation>('ReplyCancellation'),
  ReplyJobHandler: token<ReplyJobHandler>('ReplyJobHandler'),
  LanguageModel: token<LanguageModel>('LanguageModel'),
  PaymentGateway: token<PaymentGateway>('PaymentGateway'),
  PaymentEventVerifier: token<PaymentEventVerifier>('PaymentEventVerifier'),
  TokenService: token<TokenService>('TokenService'),
  PasswordHasher: token<PasswordHasher>('PasswordHasher'),
  OtpCodes: token<OtpCodes>('OtpCodes'),
  OtpSender: token<OtpSender>('OtpSender'),
  Metrics: token<Metrics>('Metrics'),

  // Adapters the start-up wiring needs by their own type
  OfflinePaymentGateway: token<OfflinePaymentGateway>('OfflinePaymentGateway'),
  ReplyWorker: token<BullMqReplyWorker>('ReplyWorker'),
  /** The Metrics port's adapter, which also records HTTP requests and renders GET /metrics. */
  PrometheusMetrics: token<PrometheusMetrics>('PrometheusMetrics'),
  /** The reply queue, as the metrics read its job counts. */
  ReplyJobCounts: token<CountsReplyJobs>('ReplyJobCounts'),

  // Use cases
  Authenticate: token<Authenticate>('Authenticate'),
  SignUp: token<SignUp>('SignUp'),
  SendOtp: token<SendOtp>('SendOtp'),
  ForgotPassword: token<ForgotPassword>('ForgotPassword'),
  VerifyOtp: token<VerifyOtp>('VerifyOtp'),
  LogIn: token<LogIn>('LogIn'),
  ChangePassword: token<ChangePassword>('ChangePassword'),
  GetMe: token<GetMe>('GetMe'),
  CreateChatroom: token<CreateChatroom>('CreateChatroom'),
  ListChatrooms: token<ListChatrooms>('ListChatrooms'),
  GetChatroom: token<GetChatroom>('GetChatroom'),
  RenameChatroom: token<RenameChatroom>('RenameChatroom'),
  DeleteChatroom: token<DeleteChatroom>('DeleteChatroom'),
  ListMessages: token<ListMessages>('ListMessages'),
  GetMessage: token<GetMessage>('GetMessage'),
  SendMessage: token<SendMessage>('SendMessage'),
  FollowReply: token<FollowReply>('FollowReply'),
  StopReply: token<StopReply>('StopReply'),
  GenerateReply: token<GenerateReply>('GenerateReply'),
  ReconcileReplies: token<ReconcileReplies>('ReconcileReplies'),
  StartCheckout: token<StartCheckout>('StartCheckout'),
  OpenBillingPortal: token<OpenBillingPortal>('OpenBillingPortal'),
  GetSubscriptionStatus: token<GetSubscriptionStatus>('GetSubscriptionStatus'),
  ApplyPaymentEvent: token<ApplyPaymentEvent>('ApplyPaymentEvent'),
  /** All of the above that the drivers call, as one object for the HTTP adapter. */
  UseCases: token<UseCases>('UseCases'),
} as const;
