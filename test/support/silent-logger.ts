import type { Logger } from '#application/ports/logger.ts';

export interface LoggedEntry {
  level: 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  message: string;
}

/** A logger that prints nothing and keeps every call (its children's included), so tests can assert what was logged. */
export class SilentLogger implements Logger {
  readonly entries: LoggedEntry[];
  private readonly bindings: Record<string, unknown>;

  constructor(entries: LoggedEntry[] = [], bindings: Record<string, unknown> = {}) {
    this.entries = entries;
    this.bindings = bindings;
  }

  info(fields: Record<string, unknown>, message: string): void {
    this.entries.push({ level: 'info', fields: { ...this.bindings, ...fields }, message });
  }

  warn(fields: Record<string, unknown>, message: string): void {
    this.entries.push({ level: 'warn', fields: { ...this.bindings, ...fields }, message });
  }

  error(fields: Record<string, unknown>, message: string): void {
    this.entries.push({ level: 'error', fields: { ...this.bindings, ...fields }, message });
  }

  child(bindings: Record<string, unknown>): Logger {
    return new SilentLogger(this.entries, { ...this.bindings, ...bindings });
  }

  messages(level?: LoggedEntry['level']): string[] {
    return this.entries
      .filter((entry) => level === undefined || entry.level === level)
      .map((entry) => entry.message);
  }
}
