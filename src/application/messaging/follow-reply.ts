import { MessageNotFound } from '#domain/chatroom/chatroom-errors.ts';
import type { Message } from '#domain/chatroom/message.ts';
import type { Usage } from '#domain/quota/daily-quota.ts';
import type { ChatroomId, MessageId, UserId } from '#domain/shared/ids.ts';
import { ownedChatroom } from '../chatroom/owned-chatroom.ts';
import type { ChatroomRepository } from '../ports/chatroom-repository.ts';
import type { Clock } from '../ports/clock.ts';
import type { MessageRepository } from '../ports/message-repository.ts';
import { isEnd, type LoggedReplyEvent, type ReplyEvent, type ReplyEventLog } from '../ports/reply-events.ts';
import type { SubscriptionStore } from '../ports/subscription-repository.ts';
import type { UsageCounter } from '../ports/usage-counter.ts';
import type { Settings } from '../shared/settings.ts';
import { tierOfUser } from '../shared/tier.ts';
import { currentUsage } from '../shared/usage.ts';

/** How often a follower checks the stored reply, in case its end never reaches the event log (e.g. Redis lost it). */
export const STORED_CHECK_MS = 5000;

export interface FollowReplyDeps {
  chatrooms: ChatroomRepository;
  messages: MessageRepository;
  events: ReplyEventLog;
  subscriptions: SubscriptionStore;
  usage: UsageCounter;
  clock: Clock;
  settings: Settings;
}

/** A reply to follow: where it stands, the sender's quota, and its events from a position to its end. */
export interface ReplyFollow {
  reply: Message;
  usage: Usage;
  /** A client resuming after an event it already has. */
  resumed: boolean;
  events(signal: AbortSignal): AsyncIterable<LoggedReplyEvent>;
}

/**
 * Follows (or resumes) a model reply from any process: a pending one through its event log, live to its end; an
 * ended one from the stored message, at once. What a follower ends with is always the stored reply.
 */
export class FollowReply {
  private readonly deps: FollowReplyDeps;

  constructor(deps: FollowReplyDeps) {
    this.deps = deps;
  }

  async execute(input: {
    userId: UserId;
    chatroomId: ChatroomId;
    messageId: MessageId;
    lastEventId?: string | undefined;
  }): Promise<ReplyFollow> {
    const chatroom = await ownedChatroom(this.deps, input.chatroomId, input.userId);
    const reply = await this.deps.messages.findInChatroom(chatroom.id, input.messageId);
    if (!reply || reply.role !== 'model') throw new MessageNotFound();
    const tier = await tierOfUser(this.deps.subscriptions, input.userId);
    const usage = await currentUsage(
      this.deps.usage,
      this.deps.settings,
      input.userId,
      tier,
      this.deps.clock.now(),
    );
    return this.follow(reply, usage, input.lastEventId);
  }

  /** The follow of a reply the caller already holds (the one its send just made). */
  follow(reply: Message, usage: Usage, lastEventId?: string): ReplyFollow {
    const resumed = lastEventId !== undefined;
    return {
      reply,
      usage,
      resumed,
      events: (signal) => (reply.isPending ? this.live(reply.id, lastEventId, signal) : storedOutcome(reply)),
    };
  }

  private async *live(
    replyId: MessageId,
    lastEventId: string | undefined,
    signal: AbortSignal,
  ): AsyncIterable<LoggedReplyEvent> {
    const following = new AbortController();
    const stop = () => following.abort();
    signal.addEventListener('abort', stop, { once: true });
    let ended: Message | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const check = async () => {
      const stored = await this.deps.messages.findById(replyId).catch(() => null);
      if (stored && !stored.isPending) {
        ended = stored;
        following.abort();
      } else if (!following.signal.aborted) timer = setTimeout(check, STORED_CHECK_MS);
    };
    timer = setTimeout(check, STORED_CHECK_MS);
    try {
      for await (const entry of this.deps.events.follow(replyId, lastEventId, following.signal)) {
        yield entry;
        if (isEnd(entry.event)) return;
      }
      // The reply ended without its end reaching the log: the stored reply finishes the stream.
      if (ended && !signal.aborted) yield* storedOutcome(ended);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', stop);
    }
  }
}

/** An ended reply as events: a new attempt (voiding anything the client holds), its whole text, its end. */
export async function* storedOutcome(reply: Message): AsyncIterable<LoggedReplyEvent> {
  const events: ReplyEvent[] = [{ type: 'attempt' }];
  if (reply.content !== '') events.push({ type: 'delta', text: reply.content });
  events.push(endOf(reply));
  for (const [index, event] of events.entries()) yield { id: `stored-${index + 1}`, event };
}

function endOf(reply: Message): ReplyEvent {
  if (reply.status === 'failed') return { type: 'error', error: reply.error ?? 'The reply failed' };
  if (reply.status === 'stopped') return { type: 'abort' };
  return { type: 'finish', finishReason: 'stop', tokens: reply.tokenUsage };
}
