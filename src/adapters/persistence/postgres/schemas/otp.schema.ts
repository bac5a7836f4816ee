import { defineEntity, p } from '@mikro-orm/core';
import { Otp, type OtpProps } from '#domain/user/otp.ts';

/** otps: at most one code per (mobile, purpose); a new code replaces the row. */
export const OtpSchema = defineEntity({
  class: Otp,
  tableName: 'otps',
  properties: {
    id: p.uuid().primary(),
    mobile: p.text(),
    purpose: p.enum(['login', 'password_reset']),
    codeHash: p.text(),
    expiresAt: p.datetime(),
    attempts: p.integer().check('attempts >= 0'),
    consumedAt: p.datetime().nullable(),
    createdAt: p.datetime(),
  } satisfies Record<keyof OtpProps, unknown>,
  uniques: [{ name: 'otps_mobile_purpose_unique', properties: ['mobile', 'purpose'] }],
});
