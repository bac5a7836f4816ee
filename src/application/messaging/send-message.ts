import { HISTORY_LENGTH, Message, type MessageStatus } from '#domain/chatroom/message.ts';
import { dailyLimit, QuotaExceeded, quotaDay, type Usage, usageOf } from '#domain/quota/daily-quota.ts';
import { DomainError } from '#domain/shared/domain-error.ts';
import type { ChatroomId, UserId } from '#domain/shared/ids.ts';
import { ownedChatroom } from '../chatroom/owned-chatroom.ts';
import type { ChatroomRepository } from '../ports/chatroom-repository.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/id-generator.ts';
import type { IdempotencyClaim, IdempotencyKeys } from '../ports/idempotency-keys.ts';
import type { Logger } from '../ports/logger.ts';
import type { MessageRepository } from '../ports/message-repository.ts';
import type { Metrics } from '../ports/metrics.ts';
import type { ReplyQueue } from '../ports/reply-queue.ts';
import type { SubscriptionStore } from '../ports/subscription-repository.ts';
import type { UnitOfWork } from '../ports/unit-of-work.ts';
import type { UsageCounter } from '../ports/usage-counter.ts';
import { ServiceUnavailable } from '../shared/service-unavailable.ts';
import type { Settings } from '../shared/settings.ts';
import { tierOfUser } from '../shared/tier.ts';
import { currentUsage } from '../shared/usage.ts';

export interface SendMessageDeps {
  chatrooms: ChatroomRepository;
  messages: MessageRepository;
  subscriptions: SubscriptionStore;
  usage: UsageCounter;
  unitOfWork: UnitOfWork;
  queue: ReplyQueue;
  idempotencyKeys: IdempotencyKeys;
  ids: IdGenerator;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  settings: Settings;
}

/** `wait`: until the reply ends (up to REPLY_WAIT_MS); `async` and `stream`: answer at once with it pending. */
export type SendMode = 'wait' | 'async' | 'stream';

export interface SendMessageInput {
  userId: UserId;
  chatroomId: ChatroomId;
  content: string;
  mode: SendMode;
  /** The client's Idempotency-Key: a repeat answers for the exchange the first request made. */
  idempotencyKey?: string | undefined;
  /** The request's X-Request-Id, carried by the reply job into the worker's log lines. */
  requestId?: string | undefined;
}

/** Where the reply stands when the call answers: `pending` unless it ended before. */
export type SendOutcome = MessageStatus;

export interface SendMessageResult {
  message: Message;
  reply: Message;
  outcome: SendOutcome;
  /** The quota after this send (the prompt given back when its reply failed or stopped before any text). */
  usage: Usage;
  /** A repeat of an earlier request with the same Idempotency-Key: nothing was taken, stored or sent. */
  replayed: boolean;
}

/** The same Idempotency-Key used for another chatroom or another content. */
export class IdempotencyKeyMismatch extends DomainError {
  constructor() {
    super(
      'IDEMPOTENCY_KEY_MISMATCH',
      'This Idempotency-Key was used for another message; use a new key for a new message',
    );
  }
}

/** How long a repeat waits for the first request with its key to store the exchange. */
const FIRST_REQUEST_WAIT_MS = 5000;
const FIRST_REQUEST_POLL_MS = 20;

/**
 * Takes the quota, stores the prompt with a pending reply, enqueues the reply and (in `wait` mode) waits for it.
 * A send that is refused leaves no trace: nothing stored, nothing charged, its idempotency key free again.
 */
export class SendMessage {
  private readonly deps: SendMessageDeps;

  constructor(deps: SendMessageDeps) {
    this.deps = deps;
  }

  async execute(input: SendMessageInput): Promise<SendMessageResult> {
    const { chatrooms, ids, clock } = this.deps;
    const now = clock.now();
    // The chatroom's owner and the sender's tier are checked by the counted write itself (one statement on
    // PostgreSQL, see MessageRepository.addCountedExchange): a send that goes through reads nothing before it.
    const { prompt, reply } = Message.exchange({
      promptId: ids.next(),
      replyId: ids.next(),
      chatroomId: input.chatroomId,
      content: input.content,
      now,
    });
    const claim: IdempotencyClaim | null = input.idempotencyKey
      ? {
          userId: input.userId,
          key: input.idempotencyKey,
          chatroomId: input.chatroomId,
          promptId: prompt.id,
          replyId: reply.id,
          createdAt: now,
        }
      : null;
    if (claim) {
      // A key is only ever held for a chatroom of the caller's: a repeat waits for what its first request stored.
      await ownedChatroom({ chatrooms }, input.chatroomId, input.userId);
      const held = await this.deps.idempotencyKeys.claim(claim);
      if (held) return this.replay(held, prompt, input.userId);
    }
    try {
      return await this.send(input, prompt, reply, now);
    } catch (error) {
      if (claim) await this.release(claim);
      throw error;
    }
  }

  private async send(input: SendMessageInput, prompt: Message, reply: Message, now: Date) {
    const { messages, queue, settings } = this.deps;
    const limits = { basic: dailyLimit('basic', settings.quota), pro: dailyLimit('pro', settings.quota) };
    const day = quotaDay(now);
    // The history the reply needs comes back with the take: a worker of this process starts from it, unread.
    const count = { userId: input.userId, day, limits, historyLength: HISTORY_LENGTH };
    const taken = await messages.addCountedExchange(prompt, reply, count);
    const { tier } = taken;
    const limit = limits[tier];
    const quota = usageOf(taken.used, limit, now);
    if (!taken.admitted) {
      this.deps.metrics.quotaRejected(tier);
      throw new QuotaExceeded(quota, now);
    }

    try {
      const job = { replyId: reply.id, userId: input.userId, day, requestId: input.requestId, tier };
      const context = taken.history ? { reply, prompt, history: taken.history } : undefined;
      await queue.enqueue(job, context ? { context } : {});
    } catch (error) {
      await this.discard(prompt, reply, input.userId, day);
      throw error;
    }

    if (input.mode !== 'wait')
      return { message: prompt, reply, outcome: 'pending' as const, usage: quota, replayed: false };
    const ended = await queue.waitForOutcome(reply.id, settings.replyWaitMs);
    // The stored reply decides, not the queue's word: a job can end before its giveUp is written. A worker in this
    // process hands over the reply as it stored it; else it is read back.
    const latest = (typeof ended === 'object' ? ended.reply : await messages.findById(reply.id)) ?? reply;
    const after = latest.countsAgainstQuota ? quota : usageOf(Math.max(0, taken.used - 1), limit, now);
    return { message: prompt, reply: latest, outcome: latest.status, usage: after, replayed: false };
  }

  /** Answers a repeated key with the exchange it made, as it stands now; nothing is taken, stored or sent. */
  private async replay(held: IdempotencyClaim, request: Message, userId: UserId): Promise<SendMessageResult> {
    const exchange = await this.storedExchange(held);
    if (!exchange) {
      throw new ServiceUnavailable(
        'database',
        'The first request with this Idempotency-Key is still running',
        {
          retryAfterSeconds: 1,
        },
      );
    }
    const { prompt, reply } = exchange;
    if (prompt.chatroomId !== request.chatroomId || prompt.content !== request.content) {
      throw new IdempotencyKeyMismatch();
    }
    const tier = await tierOfUser(this.deps.subscriptions, userId);
    const usage = await currentUsage(
      this.deps.usage,
      this.deps.settings,
      userId,
      tier,
      this.deps.clock.now(),
    );
    return { message: prompt, reply, outcome: reply.status, usage, replayed: true };
  }

  /** The exchange of a claim, once its first request has stored it (null if it did not in time). */
  private async storedExchange(held: IdempotencyClaim): Promise<{ prompt: Message; reply: Message } | null> {
    const deadline = Date.now() + FIRST_REQUEST_WAIT_MS;
    for (;;) {
      const [prompt, reply] = await Promise.all([
        this.deps.messages.findById(held.promptId),
        this.deps.messages.findById(held.replyId),
      ]);
      if (prompt && reply) return { prompt, reply };
      if (Date.now() >= deadline) return null;
      await new Promise((resolve) => setTimeout(resolve, FIRST_REQUEST_POLL_MS));
    }
  }

  /** Takes back a stored exchange whose reply could not be queued: the send is refused and leaves no trace. */
  private async discard(prompt: Message, reply: Message, userId: UserId, day: string): Promise<void> {
    const { messages, usage, unitOfWork } = this.deps;
    try {
      await unitOfWork.atomically(async () => {
        if (await messages.discardExchange(prompt.id, reply.id)) await usage.giveBack(userId, day);
      });
    } catch (error) {
      // The reply stays pending: the reconciler queues it again later (and the quota stays taken for it).
      this.deps.logger.error(
        { err: error, replyId: reply.id },
        'could not discard an exchange whose job was refused',
      );
    }
  }

  private async release(claim: IdempotencyClaim): Promise<void> {
    await this.deps.idempotencyKeys
      .release(claim.userId, claim.key, claim.replyId)
      .catch((error: unknown) => {
        this.deps.logger.error({ err: error, userId: claim.userId }, 'could not release an idempotency key');
      });
  }
}
