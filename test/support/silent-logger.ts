import type { Logger } from '#application/ports/logger.ts';

export interface LoggedEntry {
  level: 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  message: string;
}

/** A logger that prints nothing and keeps every call, so tests can assert what was logged. */
export class SilentLogger implements Logger {
  readonly entries: LoggedEntry[] = [];

  info(fields: Record<string, unknown>, message: string): void {
    this.entries.push({ level: 'info', fields, message });
  }

  warn(fields: Record<string, unknown>, message: string): void {
    this.entries.push({ level: 'warn', fields, message });
  }

  error(fields: Record<string, unknown>, message: string): void {
    this.entries.push({ level: 'error', fields, message });
  }

  messages(level?: LoggedEntry['level']): string[] {
    return this.entries
      .filter((entry) => level === undefined || entry.level === level)
      .map((entry) => entry.message);
  }
}
