/** The business rules a request can break, by their stable code (docs/api.md); transport codes live in the HTTP adapter. */
export type DomainErrorCode =
  | 'VALIDATION_FAILED'
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
  | 'QUOTA_EXCEEDED'
  | 'TOO_MANY_REQUESTS'
  | 'TOO_MANY_ATTEMPTS'
  | 'IDEMPOTENCY_KEY_MISMATCH';

export interface FieldProblem {
  path: string;
  message: string;
}

export interface DomainErrorOptions {
  /** Seconds after which a retry can succeed (429). */
  retryAfterSeconds?: number;
  errors?: FieldProblem[];
}

export class DomainError extends Error {
  readonly code: DomainErrorCode;
  readonly retryAfterSeconds: number | undefined;
  readonly errors: FieldProblem[] | undefined;

  constructor(code: DomainErrorCode, message: string, options: DomainErrorOptions = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
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
