import pino from 'pino';
import type { Logger } from '#application/ports/logger.ts';

/** How long a log line may wait in the buffer before it is written. */
const FLUSH_INTERVAL_MS = 100;
let stdout: pino.DestinationStream | undefined;

/**
 * stdout written in batches of 4 KiB or every FLUSH_INTERVAL_MS, whichever comes first, and flushed synchronously
 * when the process exits: one write per batch instead of one blocking write per line on the request path. Shared by
 * every root logger of the process.
 */
function bufferedStdout(): pino.DestinationStream {
  if (stdout) return stdout;
  const destination = pino.destination({ dest: 1, minLength: 4096, sync: false });
  setInterval(() => destination.flush(), FLUSH_INTERVAL_MS).unref();
  process.once('exit', () => {
    try {
      destination.flushSync();
    } catch {
      // a write still in flight: it completes on its own before the process ends
    }
  });
  stdout = destination;
  return destination;
}

/** The application's Logger port on pino: JSON lines on stdout, the authorization header redacted. */
export class PinoLogger implements Logger {
  private readonly pino: pino.Logger;

  /** `source`: the level of a new root logger, or the pino child that child() wraps. */
  constructor(source: string | pino.Logger) {
    this.pino =
      typeof source === 'string'
        ? pino(
            { level: source, base: { service: 'gemini-chat' }, redact: ['req.headers.authorization'] },
            bufferedStdout(),
          )
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
