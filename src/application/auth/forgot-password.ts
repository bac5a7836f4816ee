import { issueOtp, type OtpIssued, type SendOtpDeps } from './send-otp.ts';

/** Step one of a reset: a code whose session may set a new password without the old one. */
export class ForgotPassword {
  private readonly deps: SendOtpDeps;

  constructor(deps: SendOtpDeps) {
    this.deps = deps;
  }

  execute(input: { mobile: string }): Promise<OtpIssued> {
    return issueOtp(this.deps, input.mobile, 'password_reset');
  }
}
