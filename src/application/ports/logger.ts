/** Structured logging for what the use cases notice but do not fail on. */
export interface Logger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
  /** A logger whose every line also carries `bindings` (e.g. the request id of the reply a worker produces). */
  child(bindings: Record<string, unknown>): Logger;
}
