/** The backing services whose outage a call can run into. */
export type UnavailableService = 'database' | 'redis' | 'queue' | 'model' | 'payments' | 'sms';

export interface ServiceUnavailableOptions {
  /** Seconds after which a retry can succeed. */
  retryAfterSeconds?: number;
  /** Extra members for the answer (e.g. the ids of a failed reply). */
  extensions?: Record<string, unknown>;
  /** What went wrong underneath, for the log only. */
  cause?: unknown;
}

/**
 * A backing service is down or refused the call: an outage, not a broken business rule. The message is safe to
 * show the caller; internals belong in `cause`. Adapters throw it; the HTTP adapter picks the status by service.
 */
export class ServiceUnavailable extends Error {
  readonly service: UnavailableService;
  readonly retryAfterSeconds: number | undefined;
  readonly extensions: Record<string, unknown>;

  constructor(service: UnavailableService, message: string, options: ServiceUnavailableOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ServiceUnavailable';
    this.service = service;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.extensions = options.extensions ?? {};
  }
}
