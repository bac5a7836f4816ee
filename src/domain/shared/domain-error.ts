/** Every stable error code of the HTTP contract (shared/API.md). */
export type DomainErrorCode =
  | 'VALIDATION_FAILED'
  | 'MALFORMED_JSON'
  | 'INVALID_SIGNATURE'
  | 'UNAUTHORIZED'
  | 'INVALID_OTP'
  | 'OTP_EXPIRED'
  | 'INVALID_CREDENTIALS'
  | 'INVALID_CURRENT_PASSWORD'
  | 'NOT_FOUND'
  | 'USER_NOT_FOUND'
  | 'MOBILE_TAKEN'
  | 'ALREADY_SUBSCRIBED'
  | 'NO_BILLING_ACCOUNT'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'QUOTA_EXCEEDED'
  | 'TOO_MANY_REQUESTS'
  | 'TOO_MANY_ATTEMPTS'
  | 'INTERNAL'
  | 'MODEL_UNAVAILABLE'
  | 'PAYMENT_PROVIDER_UNAVAILABLE'
  | 'SMS_UNAVAILABLE'
  | 'NOT_READY';

export interface FieldProblem {
  path: string;
  message: string;
}

export interface DomainErrorOptions {
  /** Seconds after which a retry can succeed (429, 503). */
  retryAfterSeconds?: number;
  /** Extra members for the problem body (e.g. messageId). */
  extensions?: Record<string, unknown>;
  errors?: FieldProblem[];
}

export class DomainError extends Error {
  readonly code: DomainErrorCode;
  readonly retryAfterSeconds: number | undefined;
  readonly extensions: Record<string, unknown>;
  readonly errors: FieldProblem[] | undefined;

  constructor(code: DomainErrorCode, message: string, options: DomainErrorOptions = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.extensions = options.extensions ?? {};
    this.errors = options.errors;
  }
}

export class ValidationFailed extends DomainError {
  constructor(path: string, message: string) {
    super('VALIDATION_FAILED', message, { errors: [{ path, message }] });
  }
}

export class NotFound extends DomainError {
  constructor(what: string) {
    super('NOT_FOUND', `${what} not found`);
  }
}

export class Unauthorized extends DomainError {
  constructor(message = 'A valid bearer token is required') {
    super('UNAUTHORIZED', message);
  }
}

export class TooManyRequests extends DomainError {
  constructor(message: string, retryAfterSeconds: number) {
    super('TOO_MANY_REQUESTS', message, { retryAfterSeconds });
  }
}

export class NotReady extends DomainError {
  constructor(message = 'A backing service is unavailable, try again shortly') {
    super('NOT_READY', message, { retryAfterSeconds: 1 });
  }
}
