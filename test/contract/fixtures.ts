import type { Cache } from '#application/ports/cache.ts';
import type { ChatroomRepository } from '#application/ports/chatroom-repository.ts';
import type { MessageRepository } from '#application/ports/message-repository.ts';
import type { OtpRepository } from '#application/ports/otp-repository.ts';
import type { RateLimiter, RateLimitRule } from '#application/ports/rate-limiter.ts';
import type { ReplyJobHandler, ReplyQueue } from '#application/ports/reply-queue.ts';
import type { SubscriptionRepository } from '#application/ports/subscription-repository.ts';
import type { UsageCounter } from '#application/ports/usage-counter.ts';
import type { UserRepository } from '#application/ports/user-repository.ts';

/** What each contract suite is handed: one implementation of the port(s), fresh and empty. */
export interface Repositories {
  users: UserRepository;
  otps: OtpRepository;
  chatrooms: ChatroomRepository;
  messages: MessageRepository;
  subscriptions: SubscriptionRepository;
  usage: UsageCounter;
}

export interface PersistenceFixture extends Repositories {
  /** The same data seen through new repositories (a fresh EntityManager): read-backs cannot come from an identity map. */
  reopen(): Repositories;
  close(): Promise<void>;
}

export interface CacheFixture {
  cache: Cache;
  close(): Promise<void>;
}

export interface RateLimiterFixture {
  limiter: RateLimiter;
  /** The limits the fixture was built with, per rule. */
  rules: Record<RateLimitRule, { points: number; durationSeconds: number }>;
  close(): Promise<void>;
}

export interface ReplyQueueFixture {
  queue: ReplyQueue;
  close(): Promise<void>;
}

/** Builds a queue that runs `handler`, with 3 attempts and the given base backoff (ms). */
export type MakeReplyQueue = (options: {
  handler: ReplyJobHandler;
  backoffMs: number;
}) => Promise<ReplyQueueFixture>;
