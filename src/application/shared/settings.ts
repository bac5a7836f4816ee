import type { QuotaLimits } from '#domain/quota/daily-quota.ts';

/** The tunables the use cases read (from configuration). */
export interface Settings {
  otpTtlSeconds: number;
  quota: QuotaLimits;
  replyWaitMs: number;
}
