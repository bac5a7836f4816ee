import { describe, expect, it } from 'vitest';
import { MAX_RETRY_DELAY_MS, retryDelay } from '#adapters/queue/retry-delay.ts';
import { LanguageModelError } from '#application/ports/language-model.ts';

const busy = (retryAfterMs: number) => new LanguageModelError('busy', { retryable: true, retryAfterMs });

describe('retryDelay (both reply queues)', () => {
  it('doubles the base after each failed attempt', () => {
    const failure = new Error('flaky');
    expect([1, 2, 3].map((attempts) => retryDelay(attempts, 1000, failure))).toEqual([1000, 2000, 4000]);
  });

  it("waits for the model's retry-after when it is longer than the backoff, and never longer than a minute", () => {
    expect(retryDelay(1, 1000, busy(7_000))).toBe(7_000);
    expect(retryDelay(2, 1000, busy(500))).toBe(2000);
    expect(MAX_RETRY_DELAY_MS).toBe(60_000);
    expect(retryDelay(1, 1000, busy(15 * 60_000))).toBe(60_000);
  });
});
