import { Authenticate } from './auth/authenticate.ts';
import { ChangePassword } from './auth/change-password.ts';
import { ForgotPassword } from './auth/forgot-password.ts';
import { LogIn } from './auth/log-in.ts';
import { SendOtp } from './auth/send-otp.ts';
import { SignUp } from './auth/sign-up.ts';
import { VerifyOtp } from './auth/verify-otp.ts';
import { ApplyPaymentEvent } from './billing/apply-payment-event.ts';
import { GetSubscriptionStatus } from './billing/get-subscription-status.ts';
import { OpenBillingPortal } from './billing/open-billing-portal.ts';
import { StartCheckout } from './billing/start-checkout.ts';
import { ChatroomListCache } from './chatroom/chatroom-list-cache.ts';
import { CreateChatroom } from './chatroom/create-chatroom.ts';
import { DeleteChatroom } from './chatroom/delete-chatroom.ts';
import { GetChatroom } from './chatroom/get-chatroom.ts';
import { ListChatrooms } from './chatroom/list-chatrooms.ts';
import { GetMessage, ListMessages } from './chatroom/list-messages.ts';
import { RenameChatroom } from './chatroom/rename-chatroom.ts';
import { GenerateReply } from './messaging/generate-reply.ts';
import { ResumePendingReplies } from './messaging/resume-pending-replies.ts';
import { SendMessage } from './messaging/send-message.ts';
import type { Cache } from './ports/cache.ts';
import type { ChatroomRepository } from './ports/chatroom-repository.ts';
import type { Clock } from './ports/clock.ts';
import type { IdGenerator } from './ports/id-generator.ts';
import type { LanguageModel } from './ports/language-model.ts';
import type { Logger } from './ports/logger.ts';
import type { MessageRepository } from './ports/message-repository.ts';
import type { OtpCodes } from './ports/otp-codes.ts';
import type { OtpRepository } from './ports/otp-repository.ts';
import type { OtpSender } from './ports/otp-sender.ts';
import type { PasswordHasher } from './ports/password-hasher.ts';
import type { PaymentEventVerifier, PaymentGateway } from './ports/payment-gateway.ts';
import type { RateLimiter } from './ports/rate-limiter.ts';
import type { ReplyQueue } from './ports/reply-queue.ts';
import type { SubscriptionRepository } from './ports/subscription-repository.ts';
import type { TokenService } from './ports/token-service.ts';
import type { UsageCounter } from './ports/usage-counter.ts';
import type { UserRepository } from './ports/user-repository.ts';
import type { Settings } from './shared/settings.ts';
import { GetMe } from './user/get-me.ts';

export interface Ports {
  settings: Settings;
  logger: Logger;
  clock: Clock;
  ids: IdGenerator;
  users: UserRepository;
  otps: OtpRepository;
  chatrooms: ChatroomRepository;
  messages: MessageRepository;
  subscriptions: SubscriptionRepository;
  cache: Cache;
  usage: UsageCounter;
  rateLimiter: RateLimiter;
  queue: ReplyQueue;
  model: LanguageModel;
  payments: PaymentGateway;
  verifier: PaymentEventVerifier;
  tokens: TokenService;
  hasher: PasswordHasher;
  codes: OtpCodes;
  sender: OtpSender;
}

export function createUseCases(p: Ports) {
  const listCache = new ChatroomListCache({
    cache: p.cache,
    ttlSeconds: p.settings.chatroomCacheTtlSeconds,
    logger: p.logger,
  });
  const otpDeps = {
    users: p.users,
    otps: p.otps,
    codes: p.codes,
    sender: p.sender,
    rateLimiter: p.rateLimiter,
    ids: p.ids,
    clock: p.clock,
    settings: p.settings,
  };
  const sessionDeps = { users: p.users, tokens: p.tokens, subscriptions: p.subscriptions };
  const reads = { chatrooms: p.chatrooms, messages: p.messages };
  const writes = { chatrooms: p.chatrooms, listCache, ids: p.ids, clock: p.clock };
  const billing = { subscriptions: p.subscriptions, payments: p.payments, clock: p.clock };
  const usage = { subscriptions: p.subscriptions, usage: p.usage, clock: p.clock, settings: p.settings };
  return {
    authenticate: new Authenticate({ tokens: p.tokens, users: p.users }),
    signUp: new SignUp({ users: p.users, hasher: p.hasher, ids: p.ids, clock: p.clock }),
    sendOtp: new SendOtp(otpDeps),
    forgotPassword: new ForgotPassword(otpDeps),
    verifyOtp: new VerifyOtp({ ...sessionDeps, otps: p.otps, codes: p.codes, clock: p.clock }),
    logIn: new LogIn({
      ...sessionDeps,
      hasher: p.hasher,
      rateLimiter: p.rateLimiter,
      decoyHash: p.hasher.hash('decoy password'),
    }),
    changePassword: new ChangePassword({
      ...sessionDeps,
      hasher: p.hasher,
      rateLimiter: p.rateLimiter,
      clock: p.clock,
    }),
    getMe: new GetMe(usage),
    createChatroom: new CreateChatroom(writes),
    listChatrooms: new ListChatrooms({ chatrooms: p.chatrooms, listCache }),
    getChatroom: new GetChatroom(reads),
    renameChatroom: new RenameChatroom(writes),
    deleteChatroom: new DeleteChatroom({ chatrooms: p.chatrooms, listCache }),
    listMessages: new ListMessages(reads),
    getMessage: new GetMessage(reads),
    sendMessage: new SendMessage({ ...reads, ...usage, queue: p.queue, ids: p.ids, logger: p.logger }),
    resumePendingReplies: new ResumePendingReplies({
      messages: p.messages,
      queue: p.queue,
      logger: p.logger,
    }),
    startCheckout: new StartCheckout(billing),
    openBillingPortal: new OpenBillingPortal(billing),
    getSubscriptionStatus: new GetSubscriptionStatus(usage),
    applyPaymentEvent: new ApplyPaymentEvent({
      verifier: p.verifier,
      subscriptions: p.subscriptions,
      users: p.users,
      clock: p.clock,
      logger: p.logger,
    }),
  };
}

export type UseCases = ReturnType<typeof createUseCases>;

/** The reply queue's consumer; built apart from the use cases because the queue itself depends on it. */
export function createReplyHandler(p: Pick<Ports, 'messages' | 'model' | 'usage' | 'logger'>): GenerateReply {
  return new GenerateReply(p);
}
