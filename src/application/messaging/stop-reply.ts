import { MessageNotFound } from '#domain/chatroom/chatroom-errors.ts';
import type { Message } from '#domain/chatroom/message.ts';
import { quotaDay } from '#domain/quota/daily-quota.ts';
import type { ChatroomId, MessageId, UserId } from '#domain/shared/ids.ts';
import { ownedChatroom } from '../chatroom/owned-chatroom.ts';
import type { ChatroomRepository } from '../ports/chatroom-repository.ts';
import type { Logger } from '../ports/logger.ts';
import type { MessageRepository } from '../ports/message-repository.ts';
import type { ReplyCancellation, ReplyEventLog } from '../ports/reply-events.ts';
import type { UsageCounter } from '../ports/usage-counter.ts';
import { endReply } from './end-reply.ts';

/** How long a stop waits for the worker to end the reply before ending it itself. */
export const STOP_WAIT_MS = 1000;
const POLL_MS = 25;

export interface StopReplyDeps {
  chatrooms: ChatroomRepository;
  messages: MessageRepository;
  cancellation: ReplyCancellation;
  usage: UsageCounter;
  events: ReplyEventLog;
  logger: Logger;
}

/**
 * Stops a pending reply wherever its worker runs: the stop request reaches the worker (which aborts the model call
 * and keeps the text so far); a reply no worker ends within STOP_WAIT_MS (still queued, or its worker gone) is ended
 * here with the text last saved. A reply that already ended is returned as it is.
 */
export class StopReply {
  private readonly deps: StopReplyDeps;

  constructor(deps: StopReplyDeps) {
    this.deps = deps;
  }

  async execute(input: { userId: UserId; chatroomId: ChatroomId; messageId: MessageId }): Promise<Message> {
    const { messages, cancellation } = this.deps;
    const chatroom = await ownedChatroom(this.deps, input.chatroomId, input.userId);
    const reply = await messages.findInChatroom(chatroom.id, input.messageId);
    if (!reply || reply.role !== 'model') throw new MessageNotFound();
    if (!reply.isPending) return reply;
    await cancellation.requestStop(reply.id);
    const deadline = Date.now() + STOP_WAIT_MS;
    for (;;) {
      const latest = (await messages.findById(reply.id)) ?? reply;
      if (!latest.isPending) return latest;
      if (Date.now() >= deadline) {
        const job = { replyId: reply.id, userId: input.userId, day: quotaDay(reply.createdAt) };
        await endReply(this.deps, job, { status: 'stopped', content: latest.content });
        return (await messages.findById(reply.id)) ?? latest;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}
