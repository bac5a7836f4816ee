import type { MessageId } from '#domain/shared/ids.ts';
import type { Logger } from '../ports/logger.ts';
import type { ReplyEvent, ReplyEventLog } from '../ports/reply-events.ts';

/** Deltas written within this window after a flush go to the event log as one (fewer Redis writes, still smooth). */
export const COALESCE_MS = 25;
/** The partial text is stored at least this often while the model writes. */
export const SAVE_EVERY_MS = 1000;

export interface ReplyProgressDeps {
  events: ReplyEventLog;
  /** Stores the text so far on the pending reply. */
  save(replyId: MessageId, content: string): Promise<unknown>;
  logger: Logger;
  now?: () => number;
}

/**
 * The text of one attempt as the model writes it: deltas reach the event log within COALESCE_MS (in order), and
 * the text so far is saved at least every SAVE_EVERY_MS. The log is best effort: a reader that missed events still
 * ends with the stored reply, so a failed append is logged, not thrown.
 */
export class ReplyProgress {
  private readonly deps: ReplyProgressDeps;
  private readonly replyId: MessageId;
  private readonly now: () => number;
  private buffered = '';
  /** When deltas last went to the log (0: not yet this attempt). */
  private lastFlush = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  /** The flush at the end of this turn of the event loop (the first delta after a quiet spell). */
  private flushSoon: NodeJS.Immediate | undefined;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  private appends: Promise<void> = Promise.resolve();
  private saving: Promise<unknown> = Promise.resolve();
  private lastSave: number;
  private saved = '';
  text = '';

  constructor(deps: ReplyProgressDeps, replyId: MessageId) {
    this.deps = deps;
    this.replyId = replyId;
    this.now = deps.now ?? Date.now;
    this.lastSave = this.now();
  }

  /** The attempt marker, not yet in the log: it goes with the first write of the attempt (one Redis call less). */
  private attemptUnsent = false;

  /**
   * Starts an attempt: readers drop the text of any earlier one. The marker goes to the log with the attempt's first
   * deltas (sent once the turn of the event loop they came in is over), or with whatever the attempt writes first.
   */
  begin(): Promise<void> {
    this.attemptUnsent = true;
    return Promise.resolve();
  }

  add(delta: string): void {
    if (delta === '') return;
    this.text += delta;
    this.buffered += delta;
    // The first delta after a quiet spell goes once this turn of the event loop is over (with any other delta of the
    // same turn: a model that answers at once ends the reply before then, and its whole text goes with the end, in
    // one append); the ones that follow within the window go together.
    if (!this.flushTimer && !this.flushSoon) {
      const wait = this.lastFlush + COALESCE_MS - this.now();
      if (wait <= 0) this.flushSoon = setImmediate(() => void this.flush());
      else this.flushTimer = setTimeout(() => void this.flush(), wait);
    }
    // Saved within SAVE_EVERY_MS of the first unsaved delta, even if the model then pauses.
    const due = Math.max(0, this.lastSave + SAVE_EVERY_MS - this.now());
    this.saveTimer ??= setTimeout(() => this.saveNow(), due);
    this.saveTimer.unref?.();
  }

  /** Sends what is buffered and waits until every append so far is done. */
  async flush(): Promise<void> {
    const events = this.takeBuffered();
    if (events.length > 0) {
      this.lastFlush = this.now();
      void this.append(events);
    }
    await this.appends;
  }

  /**
   * What is buffered and not yet in the log (the attempt marker, the last deltas), taken off the buffer once every
   * append so far is done: the caller writes it with the end of the reply, in one append.
   */
  async unsent(): Promise<ReplyEvent[]> {
    await this.appends;
    return this.takeBuffered();
  }

  /** Flushes the deltas, then records the end. */
  async end(event: ReplyEvent): Promise<void> {
    await this.flush();
    await this.append([event]);
  }

  private takeBuffered(): ReplyEvent[] {
    clearTimeout(this.flushTimer);
    clearImmediate(this.flushSoon);
    this.flushTimer = undefined;
    this.flushSoon = undefined;
    const events: ReplyEvent[] = this.attemptUnsent ? [{ type: 'attempt' }] : [];
    this.attemptUnsent = false;
    if (this.buffered !== '') events.push({ type: 'delta', text: this.buffered });
    this.buffered = '';
    return events;
  }

  /** Stores the text so far now (e.g. when an attempt dies), after any save in flight. */
  async save(): Promise<void> {
    if (this.text !== this.saved) this.saveNow();
    await this.saving;
  }

  /** The attempt is over: no save is left scheduled (the reply's end writes the final text). */
  close(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
  }

  private saveNow(): void {
    this.close();
    const content = this.text;
    this.lastSave = this.now();
    this.saving = this.saving
      .then(() => this.deps.save(this.replyId, content))
      .then(
        () => {
          this.saved = content;
        },
        (error: unknown) =>
          this.deps.logger.warn({ err: error, replyId: this.replyId }, 'could not save reply progress'),
      );
  }

  private append(events: ReplyEvent[]): Promise<void> {
    this.appends = this.appends.then(() =>
      this.deps.events.append(this.replyId, events).catch((error: unknown) => {
        this.deps.logger.warn({ err: error, replyId: this.replyId }, 'could not record reply events');
      }),
    );
    return this.appends;
  }
}
