import type { OtpIssued } from '#application/auth/send-otp.ts';
import type { Session } from '#application/auth/session.ts';
import type { SubscriptionStatusView } from '#application/billing/get-subscription-status.ts';
import type { Chatroom } from '#domain/chatroom/chatroom.ts';
import type { Message, TokenUsage } from '#domain/chatroom/message.ts';
import type { Usage } from '#domain/quota/daily-quota.ts';
import type { Tier } from '#domain/subscription/subscription.ts';
import type { User } from '#domain/user/user.ts';

/** The JSON shapes of docs/api.md, built from domain objects. */
export function userJson(user: User, tier: Tier) {
  return {
    id: user.id,
    mobile: user.mobile as string,
    name: user.name,
    hasPassword: user.hasPassword,
    tier,
    createdAt: user.createdAt.toISOString(),
  };
}

export function usageJson(usage: Usage) {
  return {
    used: usage.used,
    limit: usage.limit,
    remaining: usage.remaining,
    resetsAt: usage.resetsAt.toISOString(),
  };
}

export function otpIssuedJson(issued: OtpIssued) {
  return {
    mobile: issued.mobile as string,
    ...(issued.otp === null ? {} : { otp: issued.otp }),
    expiresAt: issued.expiresAt.toISOString(),
    expiresIn: issued.expiresIn,
  };
}

export function sessionJson(session: Session) {
  return {
    token: session.token,
    tokenType: 'Bearer' as const,
    expiresIn: session.expiresIn,
    user: userJson(session.user, session.tier),
  };
}

export function chatroomJson(chatroom: Chatroom) {
  return {
    id: chatroom.id,
    title: chatroom.title,
    createdAt: chatroom.createdAt.toISOString(),
    updatedAt: chatroom.updatedAt.toISOString(),
  };
}

export function messageJson(message: Message) {
  return {
    id: message.id,
    chatroomId: message.chatroomId,
    role: message.role,
    content: message.content,
    status: message.status,
    error: message.error,
    ...(message.role === 'model' ? { tokens: message.tokenUsage && tokensJson(message.tokenUsage) } : {}),
    createdAt: message.createdAt.toISOString(),
  };
}

/** A usage report in the API's words: `Tokens { prompt, output, total }`. */
export function tokensJson(usage: TokenUsage) {
  return { prompt: usage.promptTokens, output: usage.candidateTokens, total: usage.totalTokens };
}

export function subscriptionStatusJson(view: SubscriptionStatusView) {
  return {
    tier: view.tier,
    status: view.status,
    currentPeriodEnd: view.currentPeriodEnd?.toISOString() ?? null,
    cancelAtPeriodEnd: view.cancelAtPeriodEnd,
    usage: usageJson(view.usage),
  };
}
