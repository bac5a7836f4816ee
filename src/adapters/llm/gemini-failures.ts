import { ApiError, type GenerateContentResponse } from '@google/genai';
import { LanguageModelError } from '#application/ports/language-model.ts';

/** User-safe texts: they end up in a failed reply's `error`, so they never carry the upstream body or the key. */
export const FAILURE = {
  rateLimited: 'The model is busy right now; please try again shortly',
  unavailable: 'The model is temporarily unavailable',
  timeout: 'The model took too long to answer',
  unreachable: 'The model could not be reached',
  rejected: 'The model could not process this message',
  misconfigured: 'The model is not configured correctly',
  promptBlocked: "Your message was blocked by the model's safety filters",
  answerBlocked: "The answer was blocked by the model's safety filters",
  noAnswer: 'The model returned no answer',
} as const;

export type FailureKind = keyof typeof FAILURE;

/** A failure of one of the kinds above: its text for the user, its key as the metrics label. */
export function failure(
  kind: FailureKind,
  options: { retryable: boolean; retryAfterMs?: number | undefined; cause?: unknown },
): LanguageModelError {
  return new LanguageModelError(FAILURE[kind], { ...options, kind });
}

/** Finish reasons meaning the answer was withheld, not merely cut short. */
const BLOCKING_FINISH_REASONS = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII']);

/**
 * A failed call as the queue needs it: 429, 5xx, timeouts and connection errors are worth retrying
 * (after Gemini's RetryInfo delay when it sends one); a refused request (400/401/403/404) is not.
 */
export function classifyFailure(error: unknown, signal: AbortSignal): LanguageModelError {
  if (error instanceof LanguageModelError) return error;
  if (error instanceof ApiError) return fromStatus(error);
  if (signal.aborted || isAbort(error)) return failure('timeout', { retryable: true, cause: error });
  if (error instanceof TypeError) return failure('unreachable', { retryable: true, cause: error });
  return failure('unavailable', { retryable: true, cause: error });
}

/** A response (or stream chunk) withheld by the safety filters: the prompt was blocked, or the answer was. */
export function blockOf(response: GenerateContentResponse): LanguageModelError | null {
  if (response.promptFeedback?.blockReason) return failure('promptBlocked', { retryable: false });
  const finishReason = response.candidates?.[0]?.finishReason;
  if (finishReason && BLOCKING_FINISH_REASONS.has(finishReason)) {
    return failure('answerBlocked', { retryable: false });
  }
  return null;
}

function fromStatus(error: ApiError): LanguageModelError {
  const { status } = error;
  if (status === 429) {
    return failure('rateLimited', {
      retryable: true,
      retryAfterMs: retryDelayMs(error.message),
      cause: error,
    });
  }
  if (status === 408) return failure('timeout', { retryable: true, cause: error });
  if (status >= 500) return failure('unavailable', { retryable: true, cause: error });
  if (status === 401 || status === 403 || status === 404) {
    return failure('misconfigured', { retryable: false, cause: error });
  }
  return failure('rejected', { retryable: false, cause: error });
}

/** The google.rpc.RetryInfo delay ("7s", "0.5s") in the error body the SDK puts in the message. */
function retryDelayMs(message: string): number | undefined {
  const start = message.indexOf('{');
  if (start === -1) return undefined;
  try {
    const body = JSON.parse(message.slice(start)) as {
      error?: { details?: { '@type'?: string; retryDelay?: unknown }[] };
    };
    const info = body.error?.details?.find(
      (detail) => detail['@type'] === 'type.googleapis.com/google.rpc.RetryInfo',
    );
    const match = typeof info?.retryDelay === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(info.retryDelay) : null;
    return match ? Math.round(Number(match[1]) * 1000) : undefined;
  } catch {
    return undefined;
  }
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}
