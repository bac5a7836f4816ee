import type { ReplyJob } from '#application/ports/reply-queue.ts';
import { Chatroom, type ChatroomProps } from '#domain/chatroom/chatroom.ts';
import { Message, type MessageProps } from '#domain/chatroom/message.ts';
import { quotaDay } from '#domain/quota/daily-quota.ts';
import { Subscription, type SubscriptionProps } from '#domain/subscription/subscription.ts';
import type { MobileNumber } from '#domain/user/mobile-number.ts';
import { Otp, type OtpProps } from '#domain/user/otp.ts';
import { User, type UserProps } from '#domain/user/user.ts';

/** The time every builder uses unless told otherwise. */
export const BUILT_AT = new Date('2026-11-23T10:00:00.000Z');

let built = 0;

/** A fresh UUID v7-shaped id, increasing in build order (its own range, apart from SequentialIds). */
export function aBuiltId(): string {
  built += 1;
  return `00000000-0000-7000-b000-${built.toString().padStart(12, '0')}`;
}

/** A valid mobile number no other built user has. */
export function aMobile(): MobileNumber {
  built += 1;
  return `+91${(9_000_000_000 + built).toString()}` as MobileNumber;
}

export function aUser(overrides: Partial<UserProps> = {}): User {
  return new User({
    id: aBuiltId(),
    mobile: aMobile(),
    name: 'Asha',
    passwordHash: null,
    tokenVersion: 0,
    createdAt: BUILT_AT,
    ...overrides,
  });
}

export function aChatroom(overrides: Partial<ChatroomProps> = {}): Chatroom {
  const createdAt = overrides.createdAt ?? BUILT_AT;
  return new Chatroom({
    id: aBuiltId(),
    ownerId: aBuiltId(),
    title: 'Ideas',
    createdAt,
    updatedAt: createdAt,
    ...overrides,
  });
}

/** A completed user message unless told otherwise. */
export function aMessage(overrides: Partial<MessageProps> = {}): Message {
  return new Message({
    id: aBuiltId(),
    chatroomId: aBuiltId(),
    role: 'user',
    content: 'Hello there',
    status: 'completed',
    error: null,
    inReplyTo: null,
    tokenUsage: null,
    createdAt: BUILT_AT,
    ...overrides,
  });
}

/** A prompt with its pending reply, as SendMessage stores them. */
export function anExchange(input: { chatroomId: string; content?: string; now?: Date }): {
  prompt: Message;
  reply: Message;
} {
  return Message.exchange({
    promptId: aBuiltId(),
    replyId: aBuiltId(),
    chatroomId: input.chatroomId,
    content: input.content ?? 'Hello there',
    now: input.now ?? BUILT_AT,
  });
}

/** A login code for the mobile, valid for 5 minutes from BUILT_AT unless told otherwise. */
export function anOtp(overrides: Partial<OtpProps> & { mobile: MobileNumber }): Otp {
  return new Otp({
    id: aBuiltId(),
    purpose: 'login',
    codeHash: 'hash-of-123456',
    expiresAt: new Date(BUILT_AT.getTime() + 300_000),
    attempts: 0,
    consumedAt: null,
    createdAt: BUILT_AT,
    ...overrides,
  });
}

/** A user's subscription; pass a status to make it a Stripe subscription with ids. */
export function aSubscription(overrides: Partial<SubscriptionProps> = {}): Subscription {
  const subscribed = overrides.status !== undefined && overrides.status !== null;
  built += 1;
  return new Subscription({
    userId: aBuiltId(),
    customerId: `cus_test_${built}`,
    subscriptionId: subscribed ? `sub_test_${built}` : null,
    status: null,
    currentPeriodEnd: subscribed ? new Date(BUILT_AT.getTime() + 30 * 86_400_000) : null,
    cancelAtPeriodEnd: false,
    lastEventAt: null,
    updatedAt: BUILT_AT,
    ...overrides,
  });
}

/** A reply job as SendMessage enqueues it, for a reply sent at BUILT_AT unless told otherwise. */
export function aReplyJob(replyId: string = aBuiltId(), overrides: Partial<ReplyJob> = {}): ReplyJob {
  return { replyId, userId: aBuiltId(), day: quotaDay(BUILT_AT), ...overrides };
}
