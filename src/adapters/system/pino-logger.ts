import pino from 'pino';
import type { Logger } from '#application/ports/logger.ts';

/** The application's Logger port on pino: JSON lines on stdout, the authorization header redacted. */
export class PinoLogger implements Logger {
  private readonly pino: pino.Logger;

  /** `source`: the level of a new root logger, or the pino child that child() wraps. */
  constructor(source: string | pino.Logger) {
    this.pino =
      typeof source === 'string'
        ? pino({ level: source, base: { service: 'gemini-chat' }, redact: ['req.headers.authorization'] })
        : source;
  }

  info(fields: Record<string, unknown>, message: string): void {
    this.pino.info(fields, message);
  }

  warn(fields: Record<string, unknown>, message: string): void {
    this.pino.warn(fields, message);
  }

  error(fields: Record<string, unknown>, message: string): void {
    this.pino.error(fields, message);
  }

  child(bindings: Record<string, unknown>): Logger {
    return new PinoLogger(this.pino.child(bindings));
  }
}
