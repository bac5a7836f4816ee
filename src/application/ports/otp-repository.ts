import type { MobileNumber } from '#domain/user/mobile-number.ts';
import type { Otp } from '#domain/user/otp.ts';

/** One-time codes; the counters are changed atomically so parallel guesses cannot lose updates. */
export interface OtpRepository {
  /** Stores the code, replacing any unused code of the same mobile and purpose. */
  replace(otp: Otp): Promise<void>;
  /** Unused codes of the mobile, newest first (at most one per purpose). */
  findUnused(mobile: MobileNumber): Promise<Otp[]>;
  /** Counts a wrong guess (Otp.withFailedAttempt) and returns the code as now stored; null when it is gone. */
  recordFailedAttempt(id: string): Promise<Otp | null>;
  /** Marks the code used if it still can be (Otp.consume); false when not, e.g. another request got there first. */
  consume(id: string, now: Date): Promise<boolean>;
}
