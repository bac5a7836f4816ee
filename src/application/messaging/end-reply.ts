import type { TokenUsage } from '#domain/chatroom/message.ts';
import type { MessageId, UserId } from '#domain/shared/ids.ts';
import type { FinishReason } from '../ports/language-model.ts';
import type { Logger } from '../ports/logger.ts';
import type { MessageRepository } from '../ports/message-repository.ts';
import type { EndEvent, ReplyEventLog } from '../ports/reply-events.ts';
import type { UsageCounter } from '../ports/usage-counter.ts';

export type ReplyEnding =
  | { status: 'completed'; content: string; tokens: TokenUsage | null; finishReason: FinishReason }
  | { status: 'failed'; error: string }
  | { status: 'stopped'; content: string };

export interface EndReplyDeps {
  messages: MessageRepository;
  usage: UsageCounter;
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
): Promise<boolean> {
  const { messages, usage, events, logger } = deps;
  const stored =
    ending.status === 'completed'
      ? await messages.complete(reply.replyId, ending.content, ending.tokens)
      : ending.status === 'failed'
        ? await messages.fail(reply.replyId, ending.error)
        : await messages.stop(reply.replyId, ending.content);
  if (!stored) return false;
  const givesBack = ending.status === 'failed' || (ending.status === 'stopped' && ending.content === '');
  if (givesBack) await usage.giveBack(reply.userId, reply.day);
  await events.append(reply.replyId, [endEvent(ending)]).catch((error: unknown) => {
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
