import { ChatroomSchema } from './chatroom.schema.ts';
import { DailyUsageSchema } from './daily-usage.schema.ts';
import { IdempotencyKeySchema } from './idempotency-key.schema.ts';
import { MessageSchema } from './message.schema.ts';
import { OtpSchema } from './otp.schema.ts';
import { ProcessedPaymentEventSchema } from './processed-payment-event.schema.ts';
import { SubscriptionSchema } from './subscription.schema.ts';
import { UserSchema } from './user.schema.ts';

/** Every table the service owns. */
export const ENTITIES = [
  UserSchema,
  OtpSchema,
  ChatroomSchema,
  MessageSchema,
  SubscriptionSchema,
  ProcessedPaymentEventSchema,
  DailyUsageSchema,
  IdempotencyKeySchema,
];
