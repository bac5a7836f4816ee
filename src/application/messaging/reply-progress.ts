import type { MessageId } from '#domain/shared/ids.ts';
import type { Logger } from '../ports/logger.ts';
import type { ReplyEvent, ReplyEventLog } from '../ports/reply-events.ts';

/** Deltas written within this window go to the event log as one (fewer Redis writes, still smooth). */
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
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
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

  /** Starts an attempt: readers drop the text of any earlier one. */
  begin(): Promise<void> {
    return this.append([{ type: 'attempt' }]);
  }

  add(delta: string): void {
    if (delta === '') return;
    this.text += delta;
    this.buffered += delta;
    this.flushTimer ??= setTimeout(() => void this.flush(), COALESCE_MS);
    if (this.now() - this.lastSave >= SAVE_EVERY_MS) this.saveNow();
  }

  /** Sends what is buffered and waits until every append so far is done. */
  async flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.buffered !== '') {
      const text = this.buffered;
      this.buffered = '';
      void this.append([{ type: 'delta', text }]);
    }
    await this.appends;
  }

  /** Flushes the deltas, then records the end. */
  async end(event: ReplyEvent): Promise<void> {
    await this.flush();
    await this.append([event]);
  }

  /** Stores the text so far now (e.g. when an attempt dies), after any save in flight. */
  async save(): Promise<void> {
    if (this.text !== this.saved) this.saveNow();
    await this.saving;
  }

  private saveNow(): void {
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
