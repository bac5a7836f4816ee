import { LogOtpSender, ResponseOtpSender } from '#adapters/auth/otp-senders.ts';
import { TwilioOtpSender } from '#adapters/auth/twilio-otp-sender.ts';
import type { Logger } from '#application/ports/logger.ts';
import type { OtpSender } from '#application/ports/otp-sender.ts';
import type { Config } from './config.ts';

/** The OtpSender OTP_DELIVERY asks for (config.otp.twilio is set exactly when it is `twilio`). */
export function createOtpSender(config: Config, logger: Logger): OtpSender {
  const { delivery, twilio, ttlSeconds } = config.otp;
  if (delivery === 'twilio' && twilio)
    return new TwilioOtpSender({ ...twilio, otpTtlSeconds: ttlSeconds, logger });
  if (delivery === 'log') return new LogOtpSender(logger);
  return new ResponseOtpSender();
}
