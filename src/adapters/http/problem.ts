import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { DomainError, DomainErrorCode, FieldProblem } from '#domain/shared/domain-error.ts';

/** What is not a broken business rule: the request's transport, a forged webhook, an outage, a bug. */
export type TransportErrorCode =
  | 'MALFORMED_JSON'
  | 'INVALID_SIGNATURE'
  | 'METHOD_NOT_ALLOWED'
  | 'PAYLOAD_TOO_LARGE'
  | 'SMS_UNAVAILABLE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'INTERNAL'
  | 'MODEL_UNAVAILABLE'
  | 'PAYMENT_PROVIDER_UNAVAILABLE'
  | 'NOT_READY';

/** Every stable code of the HTTP contract (docs/api.md). */
export type ErrorCode = DomainErrorCode | TransportErrorCode;

interface ProblemKind {
  status: ContentfulStatusCode;
  title: string;
}

/** Every code with its HTTP status: a new code without a row here does not compile. */
export const PROBLEMS = {
  VALIDATION_FAILED: { status: 400, title: 'The request is not valid' },
  MALFORMED_JSON: { status: 400, title: 'The body is not valid JSON' },
  INVALID_SIGNATURE: { status: 400, title: 'The webhook signature is not valid' },
  UNAUTHORIZED: { status: 401, title: 'Authentication required' },
  INVALID_OTP: { status: 401, title: 'Invalid one-time code' },
  OTP_EXPIRED: { status: 401, title: 'One-time code expired' },
  INVALID_CREDENTIALS: { status: 401, title: 'Invalid credentials' },
  INVALID_CURRENT_PASSWORD: { status: 403, title: 'Current password required' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  USER_NOT_FOUND: { status: 404, title: 'User not found' },
  MOBILE_TAKEN: { status: 409, title: 'Mobile number already registered' },
  ALREADY_SUBSCRIBED: { status: 409, title: 'Already subscribed' },
  NO_BILLING_ACCOUNT: { status: 409, title: 'No billing account' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  IDEMPOTENCY_KEY_MISMATCH: { status: 422, title: 'Idempotency key reused for another message' },
  QUOTA_EXCEEDED: { status: 429, title: 'Daily quota exceeded' },
  TOO_MANY_REQUESTS: { status: 429, title: 'Too many requests' },
  TOO_MANY_ATTEMPTS: { status: 429, title: 'Too many attempts' },
  INTERNAL: { status: 500, title: 'Internal error' },
  MODEL_UNAVAILABLE: { status: 502, title: 'Model unavailable' },
  PAYMENT_PROVIDER_UNAVAILABLE: { status: 502, title: 'Payment provider unavailable' },
  SMS_UNAVAILABLE: { status: 502, title: 'SMS delivery unavailable' },
  NOT_READY: { status: 503, title: 'Service not ready' },
} as const satisfies Record<ErrorCode, ProblemKind>;

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors?: FieldProblem[];
  [extension: string]: unknown;
}

export function problemType(code: ErrorCode): string {
  return `urn:gemini-chat:problem:${code.toLowerCase().replaceAll('_', '-')}`;
}

export function problemBody(
  code: ErrorCode,
  detail: string,
  extra: { errors?: FieldProblem[] | undefined; extensions?: Record<string, unknown> } = {},
): ProblemBody {
  const { status, title } = PROBLEMS[code];
  return {
    ...extra.extensions,
    type: problemType(code),
    title,
    status,
    detail,
    code,
    ...(extra.errors ? { errors: extra.errors } : {}),
  };
}

/** Writes an RFC 9457 problem response. */
export function problem(
  c: Context,
  code: ErrorCode,
  detail: string,
  extra: {
    errors?: FieldProblem[] | undefined;
    extensions?: Record<string, unknown>;
    retryAfterSeconds?: number | undefined;
  } = {},
): Response {
  const body = problemBody(code, detail, extra);
  if (extra.retryAfterSeconds !== undefined)
    c.header('Retry-After', String(Math.max(1, Math.ceil(extra.retryAfterSeconds))));
  if (code === 'UNAUTHORIZED') c.header('WWW-Authenticate', 'Bearer error="invalid_token"');
  return c.newResponse(JSON.stringify(body), body.status as ContentfulStatusCode, {
    'Content-Type': 'application/problem+json',
  });
}

export function domainProblem(c: Context, error: DomainError): Response {
  return problem(c, error.code, error.message, {
    errors: error.errors,
    retryAfterSeconds: error.retryAfterSeconds,
  });
}
