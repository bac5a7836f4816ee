import type { Authenticate } from './auth/authenticate.ts';
import type { ChangePassword } from './auth/change-password.ts';
import type { ForgotPassword } from './auth/forgot-password.ts';
import type { LogIn } from './auth/log-in.ts';
import type { SendOtp } from './auth/send-otp.ts';
import type { SignUp } from './auth/sign-up.ts';
import type { VerifyOtp } from './auth/verify-otp.ts';
import type { ApplyPaymentEvent } from './billing/apply-payment-event.ts';
import type { GetSubscriptionStatus } from './billing/get-subscription-status.ts';
import type { OpenBillingPortal } from './billing/open-billing-portal.ts';
import type { StartCheckout } from './billing/start-checkout.ts';
import type { CreateChatroom } from './chatroom/create-chatroom.ts';
import type { DeleteChatroom } from './chatroom/delete-chatroom.ts';
import type { GetChatroom } from './chatroom/get-chatroom.ts';
import type { ListChatrooms } from './chatroom/list-chatrooms.ts';
import type { GetMessage, ListMessages } from './chatroom/list-messages.ts';
import type { RenameChatroom } from './chatroom/rename-chatroom.ts';
import type { FollowReply } from './messaging/follow-reply.ts';
import type { ResumePendingReplies } from './messaging/resume-pending-replies.ts';
import type { SendMessage } from './messaging/send-message.ts';
import type { StopReply } from './messaging/stop-reply.ts';
import type { GetMe } from './user/get-me.ts';

/** What the service can do, as the drivers (HTTP, start-up) call it; the composition root builds each one. */
export interface UseCases {
  authenticate: Authenticate;
  signUp: SignUp;
  sendOtp: SendOtp;
  forgotPassword: ForgotPassword;
  verifyOtp: VerifyOtp;
  logIn: LogIn;
  changePassword: ChangePassword;
  getMe: GetMe;
  createChatroom: CreateChatroom;
  listChatrooms: ListChatrooms;
  getChatroom: GetChatroom;
  renameChatroom: RenameChatroom;
  deleteChatroom: DeleteChatroom;
  listMessages: ListMessages;
  getMessage: GetMessage;
  sendMessage: SendMessage;
  followReply: FollowReply;
  stopReply: StopReply;
  resumePendingReplies: ResumePendingReplies;
  startCheckout: StartCheckout;
  openBillingPortal: OpenBillingPortal;
  getSubscriptionStatus: GetSubscriptionStatus;
  applyPaymentEvent: ApplyPaymentEvent;
}
