import type { TokenUsage } from '#domain/chatroom/message.ts';
import type { MessageId, UserId } from '#domain/shared/ids.ts';
import type { FinishReason } from '../ports/language-model.ts';
import type { Logger } from '../ports/logger.ts';
import type { MessageRepository } from '../ports/message-repository.ts';
import type { EndEvent, ReplyEvent, ReplyEventLog } from '../ports/reply-events.ts';
import type { UnitOfWork } from '../ports/unit-of-work.ts';
import type { UsageCounter } from '../ports/usage-counter.ts';

export type ReplyEnding =
  | { status: 'completed'; content: string; tokens: TokenUsage | null; finishReason: FinishReason }
  | { status: 'failed'; error: string }
  | { status: 'stopped'; content: string };

export interface EndReplyDeps {
  messages: MessageRepository;
  usage: UsageCounter;
  unitOfWork: UnitOfWork;
  events: ReplyEventLog;
  logger: Logger;
}

/**
 * Ends a pending reply, once, whoever gets there first (the worker, or a stop that found no worker): stores it
 * (a conditional write), gives the prompt back when the reply does not count (failed, or stopped before any text),
 * and tells its followers. False when the reply had already ended.
 */
export async function endReply(
  deps: EndReplyDeps,
  reply: { replyId: MessageId; userId: UserId; day: string },
  ending: ReplyEnding,
  /**
   * Events to write just before the end event, in the same append (the deltas the worker still held); may still be
   * coming (the worker's earlier appends finishing) while the reply is stored.
   */
  leading: ReplyEvent[] | Promise<ReplyEvent[]> = [],
  /** Called once the ending is stored, before the end event is appended (only when this call ended the reply). */
  onStored?: () => void,
): Promise<boolean> {
  const { messages, usage, unitOfWork, events, logger } = deps;
  const store = () =>
    ending.status === 'completed'
      ? messages.complete(reply.replyId, ending.content, ending.tokens)
      : ending.status === 'failed'
        ? messages.fail(reply.replyId, ending.error)
        : messages.stop(reply.replyId, ending.content);
  const givesBack = ending.status === 'failed' || (ending.status === 'stopped' && ending.content === '');
  // The ending and its give-back are one write: a reply never ends without the quota it owes back.
  const storing = givesBack
    ? unitOfWork.atomically(async () => {
        const ended = await store();
        if (ended) await usage.giveBack(reply.userId, reply.day);
        return ended;
      })
    : store();
  const [stored, before] = await Promise.all([storing, leading]);
  if (!stored) return false;
  onStored?.();
  await events.append(reply.replyId, [...before, endEvent(ending)]).catch((error: unknown) => {
    logger.warn({ err: error, replyId: reply.replyId }, 'could not record the end of a reply');
  });
  return true;
}

function endEvent(ending: ReplyEnding): EndEvent {
  if (ending.status === 'completed') {
    return { type: 'finish', finishReason: ending.finishReason, tokens: ending.tokens };
  }
  return ending.status === 'failed' ? { type: 'error', error: ending.error } : { type: 'abort' };
}
