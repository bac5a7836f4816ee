import type { UserId } from '#domain/shared/ids.ts';

export interface QuotaTake {
  admitted: boolean;
  /** Prompts counted for the day after this call. */
  used: number;
}

/** Prompts used per user and UTC day, changed atomically (exact under concurrent sends, across processes). */
export interface UsageCounter {
  /** Counts one prompt if fewer than `limit` are used (null: no limit). */
  take(userId: UserId, day: string, limit: number | null): Promise<QuotaTake>;
  /** Gives one prompt back (never below zero). */
  giveBack(userId: UserId, day: string): Promise<void>;
  used(userId: UserId, day: string): Promise<number>;
}
