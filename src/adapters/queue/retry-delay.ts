import { LanguageModelError } from '#application/ports/language-model.ts';

/** A model's retry-after is honoured up to this long; beyond it the next attempt goes ahead anyway (ms). */
export const MAX_RETRY_DELAY_MS = 60_000;

/**
 * The delay before the next attempt, the same for every queue: exponential from `baseMs` (after attempt 1: baseMs,
 * after 2: 2 × baseMs), or the model's retry-after when that is longer, capped at MAX_RETRY_DELAY_MS.
 */
export function retryDelay(attemptsMade: number, baseMs: number, error: unknown): number {
  const exponential = baseMs * 2 ** Math.max(0, attemptsMade - 1);
  const retryAfter = error instanceof LanguageModelError ? (error.retryAfterMs ?? 0) : 0;
  return Math.max(exponential, Math.min(retryAfter, MAX_RETRY_DELAY_MS));
}
