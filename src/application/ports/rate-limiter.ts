export type RateLimitRule = 'otpSend' | 'loginFailure';

export interface RateLimitDecision {
  allowed: boolean;
  /** Seconds until the next attempt can be allowed (0 when allowed). */
  retryAfterSeconds: number;
}

/** Fixed-window limits per key (OTP sends per mobile, failed logins per mobile), shared by all API processes. */
export interface RateLimiter {
  /** Counts one hit; `allowed` is false when the rule's budget is used up. Throws ServiceUnavailable when its store is down. */
  hit(rule: RateLimitRule, key: string): Promise<RateLimitDecision>;
  /** Returns one hit (a reserved login attempt that succeeded). */
  refund(rule: RateLimitRule, key: string): Promise<void>;
}
