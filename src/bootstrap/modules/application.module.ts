import { ContainerModule } from 'inversify';
import type { Scope } from '#adapters/system/scope.ts';
import { Authenticate } from '#application/auth/authenticate.ts';
import { ChangePassword } from '#application/auth/change-password.ts';
import { ForgotPassword } from '#application/auth/forgot-password.ts';
import { LogIn } from '#application/auth/log-in.ts';
import { SendOtp } from '#application/auth/send-otp.ts';
import { SignUp } from '#application/auth/sign-up.ts';
import { VerifyOtp } from '#application/auth/verify-otp.ts';
import { ApplyPaymentEvent } from '#application/billing/apply-payment-event.ts';
import { GetSubscriptionStatus } from '#application/billing/get-subscription-status.ts';
import { OpenBillingPortal } from '#application/billing/open-billing-portal.ts';
import { StartCheckout } from '#application/billing/start-checkout.ts';
import { CreateChatroom } from '#application/chatroom/create-chatroom.ts';
import { DeleteChatroom } from '#application/chatroom/delete-chatroom.ts';
import { GetChatroom } from '#application/chatroom/get-chatroom.ts';
import { ListChatrooms } from '#application/chatroom/list-chatrooms.ts';
import { GetMessage, ListMessages } from '#application/chatroom/list-messages.ts';
import { RenameChatroom } from '#application/chatroom/rename-chatroom.ts';
import { FollowReply } from '#application/messaging/follow-reply.ts';
import { GenerateReply } from '#application/messaging/generate-reply.ts';
import { ReconcileReplies } from '#application/messaging/reconcile-replies.ts';
import { SendMessage } from '#application/messaging/send-message.ts';
import { StopReply } from '#application/messaging/stop-reply.ts';
import type { ReplyJobHandler } from '#application/ports/reply-queue.ts';
import { GetMe } from '#application/user/get-me.ts';
import { TOKENS } from '../tokens.ts';

/** Every use case, one binding each, built from the ports' tokens; and the reply queue's consumer. */
export const applicationModule = new ContainerModule(({ bind }) => {
  // The ports by name; each use case below is bound to its own token.
  const { UserRepository, OtpRepository, ChatroomRepository, MessageRepository } = TOKENS;
  const {
    SubscriptionRepository,
    UsageCounter,
    AccountStandings,
    ReplyQueue,
    LanguageModel,
    PaymentGateway,
  } = TOKENS;
  const { PaymentEventVerifier, RateLimiter, TokenService, PasswordHasher, OtpCodes, OtpSender } = TOKENS;
  const { Clock, IdGenerator, Logger, Metrics, Settings } = TOKENS;
  const { ReplyEventLog, ReplyCancellation, IdempotencyKeys, UnitOfWork } = TOKENS;

  bind(TOKENS.Authenticate).toResolvedValue(
    (tokens, users) => new Authenticate({ tokens, users }),
    [TokenService, UserRepository],
  );
  bind(TOKENS.SignUp).toResolvedValue(
    (users, hasher, ids, clock) => new SignUp({ users, hasher, ids, clock }),
    [UserRepository, PasswordHasher, IdGenerator, Clock],
  );
  bind(TOKENS.SendOtp).toResolvedValue(
    (users, otps, codes, sender, rateLimiter, ids, clock, settings) =>
      new SendOtp({ users, otps, codes, sender, rateLimiter, ids, clock, settings }),
    [UserRepository, OtpRepository, OtpCodes, OtpSender, RateLimiter, IdGenerator, Clock, Settings],
  );
  bind(TOKENS.ForgotPassword).toResolvedValue(
    (users, otps, codes, sender, rateLimiter, ids, clock, settings) =>
      new ForgotPassword({ users, otps, codes, sender, rateLimiter, ids, clock, settings }),
    [UserRepository, OtpRepository, OtpCodes, OtpSender, RateLimiter, IdGenerator, Clock, Settings],
  );
  bind(TOKENS.VerifyOtp).toResolvedValue(
    (users, otps, codes, tokens, subscriptions, clock) =>
      new VerifyOtp({ users, otps, codes, tokens, subscriptions, clock }),
    [UserRepository, OtpRepository, OtpCodes, TokenService, SubscriptionRepository, Clock],
  );
  bind(TOKENS.LogIn).toResolvedValue(
    (users, hasher, tokens, subscriptions, rateLimiter) =>
      new LogIn({
        users,
        hasher,
        tokens,
        subscriptions,
        rateLimiter,
        decoyHash: hasher.hash('decoy password'),
      }),
    [UserRepository, PasswordHasher, TokenService, SubscriptionRepository, RateLimiter],
  );
  bind(TOKENS.ChangePassword).toResolvedValue(
    (users, hasher, rateLimiter, tokens, subscriptions, clock) =>
      new ChangePassword({ users, hasher, rateLimiter, tokens, subscriptions, clock }),
    [UserRepository, PasswordHasher, RateLimiter, TokenService, SubscriptionRepository, Clock],
  );
  bind(TOKENS.GetMe).toResolvedValue(
    (accounts, clock, settings) => new GetMe({ accounts, clock, settings }),
    [AccountStandings, Clock, Settings],
  );

  bind(TOKENS.CreateChatroom).toResolvedValue(
    (chatrooms, ids, clock) => new CreateChatroom({ chatrooms, ids, clock }),
    [ChatroomRepository, IdGenerator, Clock],
  );
  bind(TOKENS.ListChatrooms).toResolvedValue(
    (chatrooms) => new ListChatrooms({ chatrooms }),
    [ChatroomRepository],
  );
  bind(TOKENS.GetChatroom).toResolvedValue(
    (chatrooms, messages) => new GetChatroom({ chatrooms, messages }),
    [ChatroomRepository, MessageRepository],
  );
  bind(TOKENS.RenameChatroom).toResolvedValue(
    (chatrooms, clock) => new RenameChatroom({ chatrooms, clock }),
    [ChatroomRepository, Clock],
  );
  bind(TOKENS.DeleteChatroom).toResolvedValue(
    (chatrooms) => new DeleteChatroom({ chatrooms }),
    [ChatroomRepository],
  );
  bind(TOKENS.ListMessages).toResolvedValue(
    (chatrooms, messages) => new ListMessages({ chatrooms, messages }),
    [ChatroomRepository, MessageRepository],
  );
  bind(TOKENS.GetMessage).toResolvedValue(
    (chatrooms, messages) => new GetMessage({ chatrooms, messages }),
    [ChatroomRepository, MessageRepository],
  );

  bind(TOKENS.SendMessage).toResolvedValue(
    (
      chatrooms,
      messages,
      subscriptions,
      usage,
      unitOfWork,
      queue,
      idempotencyKeys,
      ids,
      clock,
      logger,
      metrics,
      settings,
    ) =>
      new SendMessage({
        chatrooms,
        messages,
        subscriptions,
        usage,
        unitOfWork,
        queue,
        idempotencyKeys,
        ids,
        clock,
        logger,
        metrics,
        settings,
      }),
    [
      ChatroomRepository,
      MessageRepository,
      SubscriptionRepository,
      UsageCounter,
      UnitOfWork,
      ReplyQueue,
      IdempotencyKeys,
      IdGenerator,
      Clock,
      Logger,
      Metrics,
      Settings,
    ],
  );
  bind(TOKENS.GenerateReply).toResolvedValue(
    (messages, model, usage, unitOfWork, events, cancellation, subscriptions, clock, metrics, logger) =>
      new GenerateReply({
        messages,
        model,
        usage,
        unitOfWork,
        events,
        cancellation,
        subscriptions,
        clock,
        metrics,
        logger,
      }),
    [
      MessageRepository,
      LanguageModel,
      UsageCounter,
      UnitOfWork,
      ReplyEventLog,
      ReplyCancellation,
      SubscriptionRepository,
      Clock,
      Metrics,
      Logger,
    ],
  );
  bind(TOKENS.FollowReply).toResolvedValue(
    (chatrooms, messages, events, subscriptions, usage, clock, settings) =>
      new FollowReply({ chatrooms, messages, events, subscriptions, usage, clock, settings }),
    [
      ChatroomRepository,
      MessageRepository,
      ReplyEventLog,
      SubscriptionRepository,
      UsageCounter,
      Clock,
      Settings,
    ],
  );
  bind(TOKENS.StopReply).toResolvedValue(
    (chatrooms, messages, cancellation, usage, unitOfWork, events, logger) =>
      new StopReply({ chatrooms, messages, cancellation, usage, unitOfWork, events, logger }),
    [
      ChatroomRepository,
      MessageRepository,
      ReplyCancellation,
      UsageCounter,
      UnitOfWork,
      ReplyEventLog,
      Logger,
    ],
  );
  bind(TOKENS.ReplyJobHandler).toResolvedValue(
    (generateReply, scope) => inItsOwnScope(generateReply, scope),
    [TOKENS.GenerateReply, TOKENS.Scope],
  );
  bind(TOKENS.ReconcileReplies).toResolvedValue(
    (messages, usage, unitOfWork, events, queue, clock, logger, settings) =>
      new ReconcileReplies({ messages, usage, unitOfWork, events, queue, clock, logger, settings }),
    [MessageRepository, UsageCounter, UnitOfWork, ReplyEventLog, ReplyQueue, Clock, Logger, Settings],
  );

  bind(TOKENS.StartCheckout).toResolvedValue(
    (subscriptions, payments, clock) => new StartCheckout({ subscriptions, payments, clock }),
    [SubscriptionRepository, PaymentGateway, Clock],
  );
  bind(TOKENS.OpenBillingPortal).toResolvedValue(
    (subscriptions, payments, clock) => new OpenBillingPortal({ subscriptions, payments, clock }),
    [SubscriptionRepository, PaymentGateway, Clock],
  );
  bind(TOKENS.GetSubscriptionStatus).toResolvedValue(
    (subscriptions, usage, clock, settings) =>
      new GetSubscriptionStatus({ subscriptions, usage, clock, settings }),
    [SubscriptionRepository, UsageCounter, Clock, Settings],
  );
  bind(TOKENS.ApplyPaymentEvent).toResolvedValue(
    (verifier, subscriptions, users, clock, logger, metrics) =>
      new ApplyPaymentEvent({ verifier, subscriptions, users, clock, logger, metrics }),
    [PaymentEventVerifier, SubscriptionRepository, UserRepository, Clock, Logger, Metrics],
  );

  bind(TOKENS.UseCases).toDynamicValue(({ get }) => ({
    authenticate: get(TOKENS.Authenticate),
    signUp: get(TOKENS.SignUp),
    sendOtp: get(TOKENS.SendOtp),
    forgotPassword: get(TOKENS.ForgotPassword),
    verifyOtp: get(TOKENS.VerifyOtp),
    logIn: get(TOKENS.LogIn),
    changePassword: get(TOKENS.ChangePassword),
    getMe: get(TOKENS.GetMe),
    createChatroom: get(TOKENS.CreateChatroom),
    listChatrooms: get(TOKENS.ListChatrooms),
    getChatroom: get(TOKENS.GetChatroom),
    renameChatroom: get(TOKENS.RenameChatroom),
    deleteChatroom: get(TOKENS.DeleteChatroom),
    listMessages: get(TOKENS.ListMessages),
    getMessage: get(TOKENS.GetMessage),
    sendMessage: get(TOKENS.SendMessage),
    followReply: get(TOKENS.FollowReply),
    stopReply: get(TOKENS.StopReply),
    reconcileReplies: get(TOKENS.ReconcileReplies),
    startCheckout: get(TOKENS.StartCheckout),
    openBillingPortal: get(TOKENS.OpenBillingPortal),
    getSubscriptionStatus: get(TOKENS.GetSubscriptionStatus),
    applyPaymentEvent: get(TOKENS.ApplyPaymentEvent),
  }));
});

/** Each job in its own unit of work, never in the one of the request that enqueued it. */
function inItsOwnScope(handler: ReplyJobHandler, scope: Scope): ReplyJobHandler {
  return {
    handle: (job, context, stored) => scope(() => handler.handle(job, context, stored)),
    giveUp: (job, error) => scope(() => handler.giveUp(job, error)),
  };
}
