import type { ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from '#application/ports/logger.ts';
import { InvalidSignature } from '#application/ports/payment-gateway.ts';
import { ServiceUnavailable, type UnavailableService } from '#application/shared/service-unavailable.ts';
import { DomainError } from '#domain/shared/domain-error.ts';
import type { AppEnv } from './auth-middleware.ts';
import { domainProblem, problem, type TransportErrorCode } from './problem.ts';

/** Our own backing services down: 503, retry soon; an upstream provider failing: 502. */
const UNAVAILABLE = {
  database: 'NOT_READY',
  redis: 'NOT_READY',
  queue: 'NOT_READY',
  model: 'MODEL_UNAVAILABLE',
  payments: 'PAYMENT_PROVIDER_UNAVAILABLE',
  sms: 'SMS_UNAVAILABLE',
} as const satisfies Record<UnavailableService, TransportErrorCode>;

const NOT_JSON = 'The body is not valid JSON';

/** The one place an error becomes a problem response; anything unexpected is a 500 that says nothing internal. */
export function errorHandler(log: Logger): ErrorHandler<AppEnv> {
  return (error, c) => {
    if (error instanceof DomainError) return domainProblem(c, error);
    if (error instanceof ServiceUnavailable) {
      log.warn({ err: error, service: error.service, reqId: c.get('requestId') }, 'service unavailable');
      return problem(c, UNAVAILABLE[error.service], error.message, {
        extensions: error.extensions,
        retryAfterSeconds: error.retryAfterSeconds,
      });
    }
    if (error instanceof InvalidSignature) return problem(c, 'INVALID_SIGNATURE', error.message);
    if (error instanceof HTTPException && error.status === 400) return problem(c, 'MALFORMED_JSON', NOT_JSON);
    // The route validator's media-type gate catches bodies our header check cannot see (no Content-Length).
    if (error instanceof HTTPException && error.status === 415) {
      return problem(c, 'UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json');
    }
    if (error instanceof SyntaxError) return problem(c, 'MALFORMED_JSON', NOT_JSON);
    log.error({ err: error, reqId: c.get('requestId') }, 'unhandled error');
    return problem(c, 'INTERNAL', 'Something went wrong on our side');
  };
}
