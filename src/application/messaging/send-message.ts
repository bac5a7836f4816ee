import { Message } from '#domain/chatroom/message.ts';
import { dailyLimit, QuotaExceeded, quotaDay, type Usage, usageOf } from '#domain/quota/daily-quota.ts';
import type { ChatroomId, UserId } from '#domain/shared/ids.ts';
import { ownedChatroom } from '../chatroom/owned-chatroom.ts';
import type { ChatroomRepository } from '../ports/chatroom-repository.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/id-generator.ts';
import type { Logger } from '../ports/logger.ts';
import type { MessageRepository } from '../ports/message-repository.ts';
import type { ReplyQueue } from '../ports/reply-queue.ts';
import type { SubscriptionStore } from '../ports/subscription-repository.ts';
import type { UsageCounter } from '../ports/usage-counter.ts';
import type { Settings } from '../shared/settings.ts';
import { tierOfUser } from '../shared/tier.ts';

export interface SendMessageDeps {
  chatrooms: ChatroomRepository;
  messages: MessageRepository;
  subscriptions: SubscriptionStore;
  usage: UsageCounter;
  queue: ReplyQueue;
  ids: IdGenerator;
  clock: Clock;
  logger: Logger;
  settings: Settings;
}

export interface SendMessageInput {
  userId: UserId;
  chatroomId: ChatroomId;
  content: string;
  /** Answer at once with the pending reply instead of waiting for it. */
  respondAsync: boolean;
}

export interface SendMessageResult {
  message: Message;
  reply: Message;
  /** The reply is still pending (respond-async, or the wait ran out). */
  accepted: boolean;
  usage: Usage;
}

/** Takes the quota, stores the prompt with a pending reply, enqueues the reply and (optionally) waits for it. */
export class SendMessage {
  private readonly deps: SendMessageDeps;

  constructor(deps: SendMessageDeps) {
    this.deps = deps;
  }

  async execute(input: SendMessageInput): Promise<SendMessageResult> {
    const { chatrooms, messages, subscriptions, usage, queue, ids, clock, settings } = this.deps;
    const chatroom = await ownedChatroom({ chatrooms }, input.chatroomId, input.userId);
    const now = clock.now();
    const { prompt, reply } = Message.exchange({
      promptId: ids.next(),
      replyId: ids.next(),
      chatroomId: chatroom.id,
      content: input.content,
      now,
    });

    const limit = dailyLimit(await tierOfUser(subscriptions, input.userId), settings.quota);
    const day = quotaDay(now);
    const taken = await usage.take(input.userId, day, limit);
    const quota = usageOf(taken.used, limit, now);
    if (!taken.admitted) throw new QuotaExceeded(quota, now);

    try {
      await messages.addExchange(prompt, reply);
    } catch (error) {
      await this.giveBack(input.userId, day);
      throw error;
    }
    try {
      await queue.enqueue({ replyId: reply.id, userId: input.userId, day });
    } catch (error) {
      if (await messages.fail(reply.id, 'The reply could not be queued'))
        await this.giveBack(input.userId, day);
      throw error;
    }

    if (input.respondAsync) return { message: prompt, reply, accepted: true, usage: quota };
    await queue.waitForOutcome(reply.id, settings.replyWaitMs);
    const latest = (await messages.findById(reply.id)) ?? reply;
    // The stored reply decides, not the queue's word: a job can end before its giveUp is written.
    const accepted = latest.isPending;
    const after = latest.status === 'failed' ? usageOf(Math.max(0, taken.used - 1), limit, now) : quota;
    return { message: prompt, reply: latest, accepted, usage: after };
  }

  private async giveBack(userId: UserId, day: string): Promise<void> {
    await this.deps.usage.giveBack(userId, day).catch((error: unknown) => {
      this.deps.logger.error({ err: error, userId, day }, 'could not give a prompt back to the quota');
    });
  }
}
