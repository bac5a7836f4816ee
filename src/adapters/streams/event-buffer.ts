import { isEnd, type LoggedReplyEvent } from '#application/ports/reply-events.ts';
import type { MessageId } from '#domain/shared/ids.ts';
import { firstAfter } from './event-ids.ts';

/** A reply's events as one process holds them, with the followers waiting for more. */
export interface EventBuffer {
  events: LoggedReplyEvent[];
  wake: Set<() => void>;
}

/** Yields the buffer's events after `afterId`, then each one appended later, until an end event or `signal`. */
export async function* readBuffer(
  buffer: EventBuffer,
  afterId: string | undefined,
  signal: AbortSignal,
): AsyncIterable<LoggedReplyEvent> {
  let next = firstAfter(buffer.events, afterId);
  let wake: () => void = () => {};
  const onAbort = () => wake();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    while (!signal.aborted) {
      while (next < buffer.events.length) {
        const entry = buffer.events[next++]!;
        yield entry;
        if (isEnd(entry.event)) return;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        buffer.wake.add(resolve);
      });
      buffer.wake.delete(wake);
    }
  } finally {
    buffer.wake.delete(wake);
    signal.removeEventListener('abort', onAbort);
  }
}

/** The local callbacks waiting for a stop of each reply; each is called at most once. */
export class StopWatchers {
  private readonly watchers = new Map<MessageId, Set<() => void>>();

  add(replyId: MessageId, onStop: () => void): { notify: () => void; remove: () => void } {
    const watchers = this.watchers.get(replyId) ?? new Set();
    this.watchers.set(replyId, watchers);
    let called = false;
    const notify = () => {
      if (called) return;
      called = true;
      onStop();
    };
    watchers.add(notify);
    const remove = () => {
      watchers.delete(notify);
      if (watchers.size === 0 && this.watchers.get(replyId) === watchers) this.watchers.delete(replyId);
    };
    return { notify, remove };
  }

  stop(replyId: MessageId): void {
    for (const notify of this.watchers.get(replyId) ?? []) notify();
  }
}
