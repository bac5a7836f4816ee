import { quotaDay } from '#domain/quota/daily-quota.ts';
import type { Logger } from '../ports/logger.ts';
import type { MessageRepository } from '../ports/message-repository.ts';
import type { ReplyQueue } from '../ports/reply-queue.ts';

/**
 * The most replies resumed per start. One read, not pages: the replies stay pending after the enqueue, so a
 * next page would return the same ids. More than this many pending is an incident, hence the warning.
 */
export const RESUME_LIMIT = 10_000;

/**
 * At start, queues again every reply still pending (a process stopped before its job ran, the queue lost it, or
 * its job ended without settling the reply, e.g. the final giveUp failed). Job ids are the reply ids, so a job
 * the queue still holds waiting or running is not duplicated, and a finished one is run again.
 */
export class ResumePendingReplies {
  private readonly deps: { messages: MessageRepository; queue: ReplyQueue; logger: Logger };

  constructor(deps: { messages: MessageRepository; queue: ReplyQueue; logger: Logger }) {
    this.deps = deps;
  }

  async execute(): Promise<number> {
    const pending = await this.deps.messages.pendingReplies(RESUME_LIMIT);
    for (const { replyId, userId, createdAt } of pending) {
      await this.deps.queue.enqueue({ replyId, userId, day: quotaDay(createdAt) }, { replaceFinished: true });
    }
    if (pending.length > 0) this.deps.logger.info({ count: pending.length }, 'resumed pending replies');
    if (pending.length >= RESUME_LIMIT) {
      this.deps.logger.warn(
        { limit: RESUME_LIMIT },
        'resumed as many pending replies as one start allows; any others wait for the next start',
      );
    }
    return pending.length;
  }
}
