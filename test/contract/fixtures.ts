import type { Cache } from '#application/ports/cache.ts';
import type { RateLimiter, RateLimitRule } from '#application/ports/rate-limiter.ts';
import type { ReplyJobHandler, ReplyQueue } from '#application/ports/reply-queue.ts';
import type { Repositories } from '#application/ports/repositories.ts';

export type { Repositories };

/** What each contract suite is handed: one implementation of the port(s), fresh and empty. */
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
