import { z } from '@hono/zod-openapi';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '#application/chatroom/list-messages.ts';
import { TITLE_MAX_LENGTH } from '#domain/chatroom/chatroom.ts';
import { CONTENT_MAX_LENGTH } from '#domain/chatroom/message.ts';
import { SUBSCRIPTION_STATUSES } from '#domain/subscription/subscription.ts';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '#domain/user/password-policy.ts';

/** Shapes at the HTTP edge (400 when they do not hold); the rules live in the domain. These also generate /openapi.json. */
const isoTime = z.string().openapi({ format: 'date-time', example: '2026-11-23T10:00:00.000Z' });
const uuid = z.string().openapi({ format: 'uuid', example: '019a6f0e-8b1e-7c2a-9d3e-3f4a5b6c7d8e' });
const noNul = (value: string) => !value.includes('\u0000');
const text = (max: number) =>
  z
    .string()
    .max(max * 4)
    .refine(noNul, 'must not contain a NUL character');

/** Counted again in characters by the domain; UTF-16 units here are at most twice that. */
const password = z
  .string()
  .min(PASSWORD_MIN_LENGTH)
  .max(PASSWORD_MAX_LENGTH * 2)
  .openapi({ description: `${PASSWORD_MIN_LENGTH}..${PASSWORD_MAX_LENGTH} characters` });

export const Mobile = z.string().max(32).openapi({
  example: '+91 98765 43210',
  description: 'E.164 after dropping spaces, dashes, dots and parentheses',
});

export const User = z
  .object({
    id: uuid,
    mobile: z.string().openapi({ example: '+919876543210' }),
    name: z.string().nullable(),
    hasPassword: z.boolean(),
    tier: z.enum(['basic', 'pro']),
    createdAt: isoTime,
  })
  .openapi('User');

export const Usage = z
  .object({
    used: z.number().int(),
    limit: z.number().int().nullable().openapi({ description: 'null: unlimited' }),
    remaining: z.number().int().nullable(),
    resetsAt: isoTime,
  })
  .openapi('Usage');

export const OtpIssued = z
  .object({
    mobile: z.string(),
    otp: z
      .string()
      .optional()
      .openapi({ description: 'Present when OTP_DELIVERY=response (the mocked SMS)' }),
    expiresAt: isoTime,
    expiresIn: z.number().int().openapi({ description: 'seconds' }),
  })
  .openapi('OtpIssued');

export const Session = z
  .object({ token: z.string(), tokenType: z.literal('Bearer'), expiresIn: z.number().int(), user: User })
  .openapi('Session');

export const Chatroom = z
  .object({ id: uuid, title: z.string(), createdAt: isoTime, updatedAt: isoTime })
  .openapi('Chatroom');

export const Tokens = z
  .object({ prompt: z.number().int(), output: z.number().int(), total: z.number().int() })
  .openapi('Tokens');

export const Message = z
  .object({
    id: uuid,
    chatroomId: uuid,
    role: z.enum(['user', 'model']),
    content: z.string(),
    status: z.enum(['pending', 'completed', 'failed', 'stopped']),
    error: z.string().nullable(),
    tokens: Tokens.nullable()
      .optional()
      .openapi({ description: "Model messages only: the model's usage report (null until it is known)" }),
    createdAt: isoTime,
  })
  .openapi('Message');

export const MessagePage = z
  .object({ messages: z.array(Message), hasMore: z.boolean() })
  .openapi('MessagePage');
export const ChatroomWithMessages = Chatroom.extend({
  messages: z.array(Message),
  hasMore: z.boolean(),
}).openapi('ChatroomWithMessages');

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

export const SignUpBody = z.object({
  mobile: Mobile,
  name: text(100).nullable().optional(),
  password: password.optional(),
});
export const MobileBody = z.object({ mobile: Mobile });
export const VerifyOtpBody = z.object({
  mobile: Mobile,
  otp: z
    .string()
    .regex(/^\d{6}$/, 'must be 6 digits')
    .openapi({ example: '123456' }),
});
export const LoginBody = z.object({
  mobile: Mobile,
  password: z
    .string()
    .min(1)
    .max(PASSWORD_MAX_LENGTH * 2),
});
export const ChangePasswordBody = z.object({
  newPassword: password,
  currentPassword: z
    .string()
    .max(PASSWORD_MAX_LENGTH * 2)
    .optional(),
});
export const CreateChatroomBody = z.object({
  title: text(TITLE_MAX_LENGTH)
    .optional()
    .openapi({ description: `trimmed, 1..${TITLE_MAX_LENGTH}; default "New chat"` }),
});
export const RenameChatroomBody = z.object({ title: text(TITLE_MAX_LENGTH) });
export const SendMessageBody = z.object({
  content: text(CONTENT_MAX_LENGTH).openapi({ description: `trimmed, 1..${CONTENT_MAX_LENGTH} characters` }),
});
export const ChatroomParams = z.object({
  id: z.string().openapi({ param: { name: 'id', in: 'path' }, format: 'uuid' }),
});
export const MessageParams = ChatroomParams.extend({
  messageId: z.string().openapi({ param: { name: 'messageId', in: 'path' }, format: 'uuid' }),
});
/** The shape only; the page size range and the cursor's chatroom are ListMessages' rules. */
export const PageQuery = z.object({
  before: z
    .string()
    .uuid()
    .optional()
    .openapi({ param: { name: 'before', in: 'query' }, description: 'a message id of this chatroom' }),
  limit: z.coerce
    .number()
    .int()
    .optional()
    .openapi({
      param: { name: 'limit', in: 'query' },
      type: 'integer',
      minimum: 1,
      maximum: MAX_PAGE_SIZE,
      default: DEFAULT_PAGE_SIZE,
    }),
});
export const SendMessageResult = z.object({ message: Message, reply: Message }).openapi('SendMessageResult');
/**
 * `Idempotency-Key`: 1..255 visible ASCII characters (the IETF httpapi draft's header). Request headers are read
 * through requestHeaders (openapi.ts), which documents them from these schemas, descriptions included.
 */
export const SendMessageHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[\x21-\x7E]{1,255}$/, 'must be 1 to 255 visible ASCII characters')
    .optional()
    .describe('A repeat with the same key within 24 hours answers for the same exchange'),
});
export const StreamHeaders = z.object({
  'last-event-id': z
    .string()
    .max(100)
    .optional()
    .describe('Resume after this event: only the later ones are sent'),
});
/** One SSE event per chunk of the AI SDK's UI message stream protocol (v1); ends with `data: [DONE]`. */
export const UiMessageStream = z.string().openapi('UiMessageStream', {
  description:
    'text/event-stream: `id: <event id>` + `data: <chunk JSON>` per event (start, start-step, text-start, ' +
    'text-delta, text-end, reset-step, finish-step, then finish | error | abort), `data: [DONE]` at the end, ' +
    '`: ping` comments every 15 s',
});
export const CheckoutSession = z
  .object({ sessionId: z.string(), checkoutUrl: z.string().url() })
  .openapi('CheckoutSession');
export const PortalSession = z.object({ url: z.string().url() }).openapi('PortalSession');
export const SubscriptionStatus = z
  .object({
    tier: z.enum(['basic', 'pro']),
    status: z.enum(SUBSCRIPTION_STATUSES).nullable(),
    currentPeriodEnd: isoTime.nullable(),
    cancelAtPeriodEnd: z.boolean(),
    usage: Usage,
  })
  .openapi('SubscriptionStatus');
