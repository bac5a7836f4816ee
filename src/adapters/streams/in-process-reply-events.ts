import {
  isEnd,
  type LoggedReplyEvent,
  REPLY_EVENTS_KEPT_SECONDS,
  type ReplyCancellation,
  type ReplyEvent,
  type ReplyEventLog,
} from '#application/ports/reply-events.ts';
import type { MessageId } from '#domain/shared/ids.ts';
import { firstAfter } from './event-ids.ts';

interface Log {
  events: LoggedReplyEvent[];
  wake: Set<() => void>;
}

/** How long a stop request waits for a job that has not started yet. */
const STOP_KEPT_MS = 60 * 60 * 1000;

/** The reply event log and stop requests within this process (no Redis): same contract as the Redis ones. */
export class InProcessReplyEvents implements ReplyEventLog, ReplyCancellation {
  private readonly logs = new Map<MessageId, Log>();
  private readonly stops = new Map<MessageId, ReturnType<typeof setTimeout>>();
  private readonly watchers = new Map<MessageId, Set<() => void>>();
  private readonly keptMs: number;
  private sequence = 0;

  constructor(options: { keptSeconds?: number } = {}) {
    this.keptMs = (options.keptSeconds ?? REPLY_EVENTS_KEPT_SECONDS) * 1000;
  }

  async append(replyId: MessageId, events: ReplyEvent[]): Promise<void> {
    if (events.length === 0) return;
    const log = this.log(replyId);
    for (const event of events) {
      this.sequence += 1;
      log.events.push({ id: `0-${this.sequence}`, event });
      if (isEnd(event)) setTimeout(() => this.forget(replyId, log), this.keptMs).unref();
    }
    for (const wake of log.wake) wake();
  }

  async read(replyId: MessageId, afterId?: string): Promise<LoggedReplyEvent[]> {
    const events = this.logs.get(replyId)?.events ?? [];
    return events.slice(firstAfter(events, afterId));
  }

  async *follow(
    replyId: MessageId,
    afterId: string | undefined,
    signal: AbortSignal,
  ): AsyncIterable<LoggedReplyEvent> {
    const log = this.log(replyId);
    let next = firstAfter(log.events, afterId);
    let wake: () => void = () => {};
    const onAbort = () => wake();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      while (!signal.aborted) {
        while (next < log.events.length) {
          const entry = log.events[next++]!;
          yield entry;
          if (isEnd(entry.event)) return;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          log.wake.add(resolve);
        });
        log.wake.delete(wake);
      }
    } finally {
      log.wake.delete(wake);
      signal.removeEventListener('abort', onAbort);
      if (log.events.length === 0 && log.wake.size === 0) this.logs.delete(replyId);
    }
  }

  async requestStop(replyId: MessageId): Promise<void> {
    clearTimeout(this.stops.get(replyId));
    const expiry = setTimeout(() => this.stops.delete(replyId), STOP_KEPT_MS);
    expiry.unref();
    this.stops.set(replyId, expiry);
    for (const onStop of this.watchers.get(replyId) ?? []) onStop();
  }

  async isStopRequested(replyId: MessageId): Promise<boolean> {
    return this.stops.has(replyId);
  }

  async watch(replyId: MessageId, onStop: () => void): Promise<() => void> {
    const watchers = this.watchers.get(replyId) ?? new Set();
    this.watchers.set(replyId, watchers);
    let called = false;
    const once = () => {
      if (called) return;
      called = true;
      onStop();
    };
    watchers.add(once);
    if (this.stops.has(replyId)) once();
    return () => {
      watchers.delete(once);
      if (watchers.size === 0) this.watchers.delete(replyId);
    };
  }

  private log(replyId: MessageId): Log {
    let log = this.logs.get(replyId);
    if (!log) {
      log = { events: [], wake: new Set() };
      this.logs.set(replyId, log);
    }
    return log;
  }

  private forget(replyId: MessageId, log: Log): void {
    if (this.logs.get(replyId) === log) this.logs.delete(replyId);
  }
}
