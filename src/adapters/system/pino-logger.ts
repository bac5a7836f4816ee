import pino from 'pino';
import type { Logger } from '#application/ports/logger.ts';

/** How long an info line may wait in the buffer before it is written. */
const FLUSH_INTERVAL_MS = 100;
let stdout: ReturnType<typeof pino.destination> | undefined;

/**
 * stdout written in batches: up to 4 KiB of lines are kept and written together (synchronously, like pino's
 * default destination) once the batch is full, every FLUSH_INTERVAL_MS (sonic-boom's periodic flush: a plain write),
 * after any warning or error (those are never late), and when the process exits. One write per batch instead of one
 * per line on the request path. Shared by every root logger of the process.
 */
function bufferedStdout(): ReturnType<typeof pino.destination> {
  if (stdout) return stdout;
  const destination = pino.destination({
    dest: 1,
    minLength: 4096,
    sync: true,
    periodicFlush: FLUSH_INTERVAL_MS,
  });
  process.once('exit', () => flushNow(destination));
  stdout = destination;
  return destination;
}

/** Everything buffered, written now (sonic-boom's flushSync, which also asks the system to sync the file). */
function flushNow(destination: ReturnType<typeof pino.destination>): void {
  try {
    destination.flushSync();
  } catch {
    // not open yet, or closed: nothing buffered can be written now
  }
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
    if (stdout) flushNow(stdout);
  }

  error(fields: Record<string, unknown>, message: string): void {
    this.pino.error(fields, message);
    if (stdout) flushNow(stdout);
  }

  /** Writes the buffered lines now: the start-up lines are out before the service answers its first request. */
  flush(): void {
    if (stdout) flushNow(stdout);
  }

  child(bindings: Record<string, unknown>): Logger {
    return new PinoLogger(this.pino.child(bindings));
  }
}
