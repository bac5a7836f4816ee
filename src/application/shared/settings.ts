import type { QuotaLimits } from '#domain/quota/daily-quota.ts';

/** The tunables the use cases read (from configuration). */
export interface Settings {
  otpTtlSeconds: number;
  quota: QuotaLimits;
  replyWaitMs: number;
  /** When ReconcileReplies steps in for a reply still pending (ms after it was sent). */
  replyDeadlines: {
    /** Queued again: its job was lost or ended without settling it. */
    requeueAfterMs: number;
    /** Failed for good, prompt given back: longer than any run of its job (attempts × model timeout + backoff). */
    failAfterMs: number;
  };
}
