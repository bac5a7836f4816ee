import pino from 'pino';
import type { Logger } from '#application/ports/logger.ts';

export type PinoInstance = pino.Logger;

export function createPino(level: string): PinoInstance {
  return pino({ level, base: { service: 'gemini-chat' }, redact: ['req.headers.authorization'] });
}

/** The application's Logger port on pino. */
export class PinoLogger implements Logger {
  readonly pino: PinoInstance;

  constructor(instance: PinoInstance) {
    this.pino = instance;
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
