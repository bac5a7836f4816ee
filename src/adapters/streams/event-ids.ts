/** Stream entry ids as Redis writes them (`<ms>-<seq>`); the in-process log uses the same shape. */
import type { LoggedReplyEvent } from '#application/ports/reply-events.ts';

const ENTRY_ID = /^(\d{1,20})-(\d{1,20})$/;

export function isEntryId(value: string | undefined): value is string {
  return value !== undefined && ENTRY_ID.test(value);
}

/** Orders two entry ids: negative when `a` comes first. */
export function compareEntryIds(a: string, b: string): number {
  const [am = 0n, as = 0n] = a.split('-').map(BigInt);
  const [bm = 0n, bs = 0n] = b.split('-').map(BigInt);
  if (am !== bm) return am < bm ? -1 : 1;
  return as === bs ? 0 : as < bs ? -1 : 1;
}

/** The index of the first event after `afterId`: 0 when it is absent or not an entry id. */
export function firstAfter(events: LoggedReplyEvent[], afterId: string | undefined): number {
  if (!isEntryId(afterId)) return 0;
  const index = events.findIndex((entry) => compareEntryIds(entry.id, afterId) > 0);
  return index === -1 ? events.length : index;
}
