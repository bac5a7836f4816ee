import { AsyncLocalStorage } from 'node:async_hooks';
import type { AccountStanding, AccountStandings } from '#application/ports/account-standings.ts';
import type { Cache } from '#application/ports/cache.ts';
import type { Logger } from '#application/ports/logger.ts';
import type {
  CountedExchange,
  MessagePage,
  MessageRepository,
  PendingReply,
  PromptCount,
  ReplyContext,
} from '#application/ports/message-repository.ts';
import type {
  SubscriptionRepository,
  SubscriptionStore,
} from '#application/ports/subscription-repository.ts';
import type { UnitOfWork } from '#application/ports/unit-of-work.ts';
import type { QuotaTake, UsageCounter } from '#application/ports/usage-counter.ts';
import type { Message, TokenUsage } from '#domain/chatroom/message.ts';
import type { ChatroomId, MessageId, UserId } from '#domain/shared/ids.ts';
import type { Subscription } from '#domain/subscription/subscription.ts';
import { isSubscriptionStatus } from '#domain/subscription/subscription.ts';

const RETRY_BUMP_MS = 500;
const BUMP_WAIT_MS = 250;

/**
 * The account standings (subscription status, the day's usage) of GET /user/me, cached per user under a generation
 * like the chatroom lists: the entry names the generation it was read at, the generation and the entry are read
 * together, and every change to a user's usage or subscription bumps the generation once it is committed. The
 * changes are seen by wrapping the ports that make them (`UsageCounter`, `MessageRepository.addCountedExchange`,
 * `SubscriptionRepository`) and the
 * `UnitOfWork` that may hold them back until it commits: a bump made before the commit could let a read fill the
 * new generation with the old rows.
 */
export class AccountChanges {
  private readonly cache: Cache;
  private readonly logger: Logger;
  /** The users changed inside the open unit of work, bumped when it commits. */
  private readonly pending = new AsyncLocalStorage<Set<UserId>>();
  /** The bumps started inside the open scope (a request, a job), all done before it ends (see deferring). */
  private readonly started = new AsyncLocalStorage<Promise<void>[]>();
  /** Users whose bump failed (with a count of the changes since): this process reads their standing from the database until a bump lands. */
  readonly unflushed = new Map<UserId, number>();

  constructor(options: { cache: Cache; logger: Logger }) {
    this.cache = options.cache;
    this.logger = options.logger;
  }

  /** Runs `work` (a unit of work) and bumps every user it changed once it has committed (an outer one: when that does). */
  async holding<T>(work: () => Promise<T>): Promise<T> {
    if (this.pending.getStore()) return work();
    const changed = new Set<UserId>();
    const result = await this.pending.run(changed, work);
    await Promise.all([...changed].map((userId) => this.bump(userId)));
    return result;
  }

  /**
   * Runs `work` (one request, one job): a bump its writes start goes on while the work continues (a send's bump
   * beside its enqueue), and every one is done before this resolves, so the request is still answered only once its
   * changes are what the next read sees.
   */
  async deferring<T>(work: () => Promise<T>): Promise<T> {
    const started: Promise<void>[] = [];
    try {
      return await this.started.run(started, work);
    } finally {
      await Promise.all(started);
    }
  }

  /** A write for `userId` returned: bumped now (awaited at once, or by the open scope), or when the open unit of work commits. */
  async changed(userId: UserId): Promise<void> {
    const pending = this.pending.getStore();
    if (pending) {
      pending.add(userId);
      return;
    }
    const started = this.started.getStore();
    if (started) started.push(this.bump(userId));
    else await this.bump(userId);
  }

  /**
   * Bumps the user's generation. A cache that has not answered in BUMP_WAIT_MS counts as failed for this request
   * (a hung Redis must not hold every send for its command timeout): the user is marked, a retry loop bumps until
   * it succeeds, and meanwhile this process reads the user's standing from the database. A change made while the
   * user is marked leaves the bump to the loop; the loop clears the mark only if no change came during its bump.
   */
  private async bump(userId: UserId, retrying = false): Promise<void> {
    const marked = this.unflushed.get(userId);
    if (marked !== undefined && !retrying) {
      this.unflushed.set(userId, marked + 1);
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.cache.increment(generationKey(userId)),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('the cache did not answer in time')), BUMP_WAIT_MS);
        }),
      ]);
      if (this.unflushed.get(userId) === marked) {
        this.unflushed.delete(userId);
        return;
      }
    } catch (error) {
      if (marked === undefined) {
        this.logger.error({ err: error, userId }, 'could not invalidate an account standing; retrying');
      }
    } finally {
      clearTimeout(timer);
    }
    this.unflushed.set(userId, (this.unflushed.get(userId) ?? 0) + 1);
    setTimeout(() => void this.bump(userId, true), RETRY_BUMP_MS).unref();
  }
}

function generationKey(userId: UserId): string {
  return `accounts:v1:${userId}:generation`;
}

function entryKey(userId: UserId): string {
  return `accounts:v1:${userId}:standing`;
}

/** AccountStandings through the cache: `<generation> <day> <status or -> <used>`. */
export class CachedAccountStandings implements AccountStandings {
  private readonly standings: AccountStandings;
  private readonly cache: Cache;
  private readonly changes: AccountChanges;
  private readonly ttlSeconds: number;
  private readonly logger: Logger;

  constructor(options: {
    standings: AccountStandings;
    cache: Cache;
    changes: AccountChanges;
    ttlSeconds: number;
    logger: Logger;
  }) {
    this.standings = options.standings;
    this.cache = options.cache;
    this.changes = options.changes;
    this.ttlSeconds = options.ttlSeconds;
    this.logger = options.logger;
  }

  async standing(userId: UserId, day: string): Promise<AccountStanding> {
    if (this.changes.unflushed.has(userId)) return this.standings.standing(userId, day);
    let generation: string | null = null;
    try {
      const [current, entry] = await this.cache.getMany([generationKey(userId), entryKey(userId)]);
      generation = current ?? '0';
      const cached = entry ? unpack(entry, generation, day) : null;
      if (cached) return cached;
    } catch (error) {
      this.logger.warn({ err: error, userId }, 'account cache unavailable; reading the database');
      generation = null;
    }
    const standing = await this.standings.standing(userId, day);
    if (generation !== null) {
      const entry = [generation, day, standing.subscriptionStatus ?? '-', standing.used].join(' ');
      await this.cache.set(entryKey(userId), entry, this.ttlSeconds).catch((error: unknown) => {
        this.logger.warn({ err: error, userId }, 'could not fill the account cache');
      });
    }
    return standing;
  }
}

function unpack(entry: string, generation: string, day: string): AccountStanding | null {
  const [atGeneration, atDay, status, used] = entry.split(' ');
  if (atGeneration !== generation || atDay !== day || status === undefined) return null;
  return { subscriptionStatus: isSubscriptionStatus(status) ? status : null, used: Number(used) };
}

/** The UnitOfWork whose commits release the bumps of the changes made inside. */
export class AccountChangesUnitOfWork implements UnitOfWork {
  private readonly unitOfWork: UnitOfWork;
  private readonly changes: AccountChanges;

  constructor(unitOfWork: UnitOfWork, changes: AccountChanges) {
    this.unitOfWork = unitOfWork;
    this.changes = changes;
  }

  atomically<T>(work: () => Promise<T>): Promise<T> {
    return this.changes.holding(() => this.unitOfWork.atomically(work));
  }
}

/** The UsageCounter that reports every count it changed. */
export class AccountChangesUsageCounter implements UsageCounter {
  private readonly usage: UsageCounter;
  private readonly changes: AccountChanges;

  constructor(usage: UsageCounter, changes: AccountChanges) {
    this.usage = usage;
    this.changes = changes;
  }

  async take(userId: UserId, day: string, limit: number | null): Promise<QuotaTake> {
    const taken = await this.usage.take(userId, day, limit);
    if (taken.admitted) await this.changes.changed(userId);
    return taken;
  }

  async giveBack(userId: UserId, day: string): Promise<void> {
    await this.usage.giveBack(userId, day);
    await this.changes.changed(userId);
  }

  used(userId: UserId, day: string): Promise<number> {
    return this.usage.used(userId, day);
  }
}

/** The SubscriptionRepository that reports every subscription it saved (a payment event: once it committed). */
export class AccountChangesSubscriptions implements SubscriptionRepository {
  private readonly subscriptions: SubscriptionRepository;
  private readonly changes: AccountChanges;

  constructor(subscriptions: SubscriptionRepository, changes: AccountChanges) {
    this.subscriptions = subscriptions;
    this.changes = changes;
  }

  findByUserId(userId: UserId): Promise<Subscription | null> {
    return this.subscriptions.findByUserId(userId);
  }

  findByCustomerId(customerId: string): Promise<Subscription | null> {
    return this.subscriptions.findByCustomerId(customerId);
  }

  findBySubscriptionId(subscriptionId: string): Promise<Subscription | null> {
    return this.subscriptions.findBySubscriptionId(subscriptionId);
  }

  async save(subscription: Subscription): Promise<void> {
    await this.subscriptions.save(subscription);
    await this.changes.changed(subscription.userId);
  }

  async linkCustomer(userId: UserId, customerId: string, now: Date): Promise<string> {
    const linked = await this.subscriptions.linkCustomer(userId, customerId, now);
    await this.changes.changed(userId);
    return linked;
  }

  applyEventOnce(
    eventId: string,
    apply: (store: SubscriptionStore) => Promise<void>,
  ): Promise<'applied' | 'duplicate'> {
    return this.changes.holding(() =>
      this.subscriptions.applyEventOnce(eventId, (store) =>
        apply({
          findByUserId: (userId) => store.findByUserId(userId),
          findByCustomerId: (customerId) => store.findByCustomerId(customerId),
          findBySubscriptionId: (subscriptionId) => store.findBySubscriptionId(subscriptionId),
          save: async (subscription) => {
            await store.save(subscription);
            await this.changes.changed(subscription.userId);
          },
        }),
      ),
    );
  }
}

/** The MessageRepository that reports a prompt counted with its exchange (addCountedExchange writes the usage). */
export class AccountChangesMessages implements MessageRepository {
  private readonly messages: MessageRepository;
  private readonly changes: AccountChanges;

  constructor(messages: MessageRepository, changes: AccountChanges) {
    this.messages = messages;
    this.changes = changes;
  }

  async addCountedExchange(prompt: Message, reply: Message, count: PromptCount): Promise<CountedExchange> {
    const taken = await this.messages.addCountedExchange(prompt, reply, count);
    if (taken.admitted) await this.changes.changed(count.userId);
    return taken;
  }

  addExchange(prompt: Message, reply: Message): Promise<void> {
    return this.messages.addExchange(prompt, reply);
  }

  replyContext(replyId: MessageId, historyLength: number): Promise<ReplyContext | null> {
    return this.messages.replyContext(replyId, historyLength);
  }

  discardExchange(promptId: MessageId, replyId: MessageId): Promise<boolean> {
    return this.messages.discardExchange(promptId, replyId);
  }

  findById(id: MessageId): Promise<Message | null> {
    return this.messages.findById(id);
  }

  findInChatroom(chatroomId: ChatroomId, id: MessageId): Promise<Message | null> {
    return this.messages.findInChatroom(chatroomId, id);
  }

  page(chatroomId: ChatroomId, options: { limit: number; before?: Message }): Promise<MessagePage> {
    return this.messages.page(chatroomId, options);
  }

  historyBefore(message: Message, limit: number): Promise<Message[]> {
    return this.messages.historyBefore(message, limit);
  }

  complete(id: MessageId, content: string, tokenUsage: TokenUsage | null): Promise<boolean> {
    return this.messages.complete(id, content, tokenUsage);
  }

  fail(id: MessageId, error: string): Promise<boolean> {
    return this.messages.fail(id, error);
  }

  stop(id: MessageId, content: string): Promise<boolean> {
    return this.messages.stop(id, content);
  }

  saveProgress(id: MessageId, content: string): Promise<boolean> {
    return this.messages.saveProgress(id, content);
  }

  pendingReplies(limit: number, options?: { createdBefore?: Date }): Promise<PendingReply[]> {
    return this.messages.pendingReplies(limit, options);
  }
}
