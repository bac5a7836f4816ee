import type { Logger } from '../ports/logger.ts';
import type { MessageRepository } from '../ports/message-repository.ts';
import type { ReplyQueue } from '../ports/reply-queue.ts';

const BATCH = 500;

/**
 * At start, queues again every reply still pending (a process stopped before its job ran, or the queue lost
 * it). Job ids are the reply ids, so a job the queue still holds is not duplicated.
 */
export class ResumePendingReplies {
  private readonly deps: { messages: MessageRepository; queue: ReplyQueue; logger: Logger };

  constructor(deps: { messages: MessageRepository; queue: ReplyQueue; logger: Logger }) {
    this.deps = deps;
  }

  async execute(): Promise<number> {
    const pending = await this.deps.messages.pendingReplies(BATCH);
    for (const replyId of pending) await this.deps.queue.enqueue({ replyId });
    if (pending.length > 0) this.deps.logger.info({ count: pending.length }, 'resumed pending replies');
    return pending.length;
  }
}
