import type { MobileNumber } from '#domain/user/mobile-number.ts';
import type { Otp } from '#domain/user/otp.ts';

/** One-time codes; the counters are changed atomically so parallel guesses cannot lose updates. */
export interface OtpRepository {
  /** Stores the code, replacing any unused code of the same mobile and purpose. */
  replace(otp: Otp): Promise<void>;
  /** Unused codes of the mobile, newest first (at most one per purpose). */
  findUnused(mobile: MobileNumber): Promise<Otp[]>;
  /** Adds a wrong guess and returns the attempts now counted. */
  recordFailedAttempt(id: string): Promise<number>;
  /** Marks the code used if it is unused and not burned; false when another request got there first. */
  consume(id: string, now: Date, maxAttempts: number): Promise<boolean>;
}
