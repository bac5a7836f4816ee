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
  id: string;
  mobile: MobileNumber;
  purpose: OtpPurpose;
  codeHash: string;
  expiresAt: Date;
  attempts: number;
  consumedAt: Date | null;
  createdAt: Date;

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

  expiresInSeconds(now: Date): number {
    return Math.max(0, Math.ceil((this.expiresAt.getTime() - now.getTime()) / 1000));
  }
}
