import type { MobileNumber } from './mobile-number.ts';

export type OtpPurpose = 'login' | 'password_reset';

/** Wrong guesses that burn a code: the 5th wrong guess and every later try are refused. */
export const MAX_OTP_ATTEMPTS = 5;
export const OTP_LENGTH = 6;

export interface OtpProps {
  id: string;
  mobile: MobileNumber;
  purpose: OtpPurpose;
  codeHash: string;
  expiresAt: Date;
  attempts: number;
  consumedAt: Date | null;
  createdAt: Date;
}

/** A one-time code, stored only as a keyed hash. */
export class Otp {
  readonly id: string;
  readonly mobile: MobileNumber;
  readonly purpose: OtpPurpose;
  readonly codeHash: string;
  readonly expiresAt: Date;
  readonly attempts: number;
  readonly consumedAt: Date | null;
  readonly createdAt: Date;

  constructor(props: OtpProps) {
    this.id = props.id;
    this.mobile = props.mobile;
    this.purpose = props.purpose;
    this.codeHash = props.codeHash;
    this.expiresAt = props.expiresAt;
    this.attempts = props.attempts;
    this.consumedAt = props.consumedAt;
    this.createdAt = props.createdAt;
  }

  static issue(input: {
    id: string;
    mobile: MobileNumber;
    purpose: OtpPurpose;
    codeHash: string;
    now: Date;
    ttlSeconds: number;
  }): Otp {
    return new Otp({
      id: input.id,
      mobile: input.mobile,
      purpose: input.purpose,
      codeHash: input.codeHash,
      expiresAt: new Date(input.now.getTime() + input.ttlSeconds * 1000),
      attempts: 0,
      consumedAt: null,
      createdAt: input.now,
    });
  }

  isExpired(now: Date): boolean {
    return now.getTime() >= this.expiresAt.getTime();
  }

  get isBurned(): boolean {
    return this.attempts >= MAX_OTP_ATTEMPTS;
  }

  /** Whether the code can still sign someone in at `now`: unused, not burned, not expired. */
  isUsable(now: Date): boolean {
    return this.consumedAt === null && !this.isBurned && !this.isExpired(now);
  }

  /** The code used at `now`; null when it is not usable: a code signs in once, never once burned or expired. */
  consume(now: Date): Otp | null {
    return this.isUsable(now) ? new Otp({ ...this, consumedAt: now }) : null;
  }

  /** The code after one more wrong guess (the MAX_OTP_ATTEMPTS-th burns it). */
  withFailedAttempt(): Otp {
    return new Otp({ ...this, attempts: this.attempts + 1 });
  }

  expiresInSeconds(now: Date): number {
    return Math.max(0, Math.ceil((this.expiresAt.getTime() - now.getTime()) / 1000));
  }
}
