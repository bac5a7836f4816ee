import pino from 'pino';
import type { Logger } from '#application/ports/logger.ts';

/** The application's Logger port on pino: JSON lines on stdout, the authorization header redacted. */
export class PinoLogger implements Logger {
  private readonly pino: pino.Logger;

  constructor(level: string) {
    this.pino = pino({ level, base: { service: 'gemini-chat' }, redact: ['req.headers.authorization'] });
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
}
