import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { Logger } from '#application/ports/logger.ts';
import {
  isEnd,
  type LoggedReplyEvent,
  REPLY_EVENTS_KEPT_SECONDS,
  type ReplyCancellation,
  type ReplyEvent,
  type ReplyEventLog,
} from '#application/ports/reply-events.ts';
import { ServiceUnavailable } from '#application/shared/service-unavailable.ts';
import type { MessageId } from '#domain/shared/ids.ts';
import { type EventBuffer, readBuffer, StopWatchers } from './event-buffer.ts';
import { isEntryId } from './event-ids.ts';

/** A reply still being written keeps its events this long even if its worker never ends it. */
const ACTIVE_KEPT_SECONDS = 60 * 60;
const STOP_KEPT_SECONDS = 60 * 60;
/** How long this process remembers the stop requests its subscriber heard, and how many at most. */
const HEARD_STOPS_MS = 10 * 60 * 1000;
const HEARD_STOPS_KEPT = 10_000;
/** How far the clocks of the processes may disagree about a reply's creation. */
const CLOCK_MARGIN_MS = 60 * 1000;
const PAGE = 500;
const RETRY_PULL_MS = 500;

/**
 * An append as one command: KEYS[1] the reply's stream; ARGV the seconds to keep it, the wake-up channel, then each
 * event's JSON. Atomic like the MULTI it replaced (XADDs, EXPIRE, PUBLISH), with one command to send and one reply
 * to read instead of one per step.
 */
const APPEND_SCRIPT = `
for i = 3, #ARGV do
  redis.call('XADD', KEYS[1], '*', 'e', ARGV[i])
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[2], '')
return #ARGV - 2`;

/** The command client with the append script defined on it (ioredis sends it by its SHA, loading it when missing). */
interface AppendingClient extends Redis {
  appendReplyEvents(key: string, keptSeconds: number, channel: string, ...events: string[]): Promise<number>;
}

/** One process's reader of one reply: followers share its events and its wake-ups. */
interface Tail extends EventBuffer {
  lastId: string;
  followers: number;
  pulling: Promise<void> | null;
  again: boolean;
  ready: Promise<void>;
}

export interface RedisReplyEventsOptions {
  /** For commands (XADD, XRANGE, SET, PUBLISH); the append script is defined on it. */
  client: Redis;
  /** A dedicated connection for SUBSCRIBE (one per process, whatever the number of followers). */
  subscriber: Redis;
  keyPrefix: string;
  logger: Logger;
  keptSeconds?: number;
  /** How far the clocks of two processes may disagree (ms; see watch). */
  clockMarginMs?: number;
}

/**
 * One Redis Stream per reply (`…reply:{<id>}:events`, hash-tagged so a reply's keys share a cluster slot):
 * the worker XADDs and PUBLISHes a wake-up; each process keeps one tail per followed reply, woken by Pub/Sub on
 * its one subscriber connection and reading with XRANGE, shared by all its followers of that reply.
 * Stop requests are a flag key (seen by a job that starts later) plus a Pub/Sub message (seen at once).
 */
export class RedisReplyEvents implements ReplyEventLog, ReplyCancellation {
  private readonly client: AppendingClient;
  private readonly subscriber: Redis;
  private readonly prefix: string;
  private readonly logger: Logger;
  private readonly keptSeconds: number;
  private readonly tails = new Map<MessageId, Tail>();
  private readonly watchers = new StopWatchers();
  private stopsSubscribed: Promise<unknown> | null = null;
  /**
   * The stop requests the subscriber heard (every process hears every one), for HEARD_STOPS_MS. One dropped early
   * (past HEARD_STOPS_KEPT): what was heard before now is no longer all there is to know.
   */
  private readonly heardStops = new LRUCache<MessageId, true>({
    max: HEARD_STOPS_KEPT,
    ttl: HEARD_STOPS_MS,
    dispose: (_heard, _replyId, reason) => {
      if (reason === 'evict') this.hearingSince = Date.now();
    },
  });
  /** Since when every stop request was heard: subscribed, with no break since (0: not now). */
  private hearingSince = 0;
  /** Counts the subscriber's disconnections: a subscription confirmed after one does not date from before it. */
  private breaks = 0;
  private readonly clockMarginMs: number;

  constructor(options: RedisReplyEventsOptions) {
    if (!('appendReplyEvents' in options.client)) {
      options.client.defineCommand('appendReplyEvents', { numberOfKeys: 1, lua: APPEND_SCRIPT });
    }
    this.client = options.client as AppendingClient;
    this.subscriber = options.subscriber;
    this.prefix = options.keyPrefix;
    this.logger = options.logger;
    this.keptSeconds = options.keptSeconds ?? REPLY_EVENTS_KEPT_SECONDS;
    this.clockMarginMs = options.clockMarginMs ?? CLOCK_MARGIN_MS;
    this.subscriber.on('message', (channel: string, message: string) => this.onMessage(channel, message));
    // Wake-ups published while the subscriber was reconnecting are lost: read every tail again.
    this.subscriber.on('ready', () => {
      for (const [replyId, tail] of this.tails) void this.pull(replyId, tail);
      // ioredis subscribes again; stops are heard once that is confirmed.
      if (this.stopsSubscribed) void this.subscribeToStops().catch(() => undefined);
    });
    this.subscriber.on('close', () => {
      this.breaks += 1;
      this.hearingSince = 0;
    });
  }

  async append(replyId: MessageId, events: ReplyEvent[]): Promise<void> {
    if (events.length === 0) return;
    const kept = events.some(isEnd) ? this.keptSeconds : ACTIVE_KEPT_SECONDS;
    const json = events.map((event) => JSON.stringify(event));
    await this.client.appendReplyEvents(this.eventsKey(replyId), kept, this.wakeChannel(replyId), ...json);
  }

  async read(replyId: MessageId, afterId?: string): Promise<LoggedReplyEvent[]> {
    const events: LoggedReplyEvent[] = [];
    let from = isEntryId(afterId) ? `(${afterId}` : '-';
    for (;;) {
      const page = await this.client.xrange(this.eventsKey(replyId), from, '+', 'COUNT', PAGE);
      events.push(...page.map(toLogged));
      if (page.length < PAGE) return events;
      from = `(${page[page.length - 1]![0]}`;
    }
  }

  async *follow(
    replyId: MessageId,
    afterId: string | undefined,
    signal: AbortSignal,
  ): AsyncIterable<LoggedReplyEvent> {
    const tail = this.attach(replyId);
    try {
      await tail.ready;
      yield* readBuffer(tail, afterId, signal);
    } finally {
      this.detach(replyId, tail);
    }
  }

  async requestStop(replyId: MessageId): Promise<void> {
    try {
      const results = await this.client
        .multi()
        .set(this.stopKey(replyId), '1', 'EX', STOP_KEPT_SECONDS)
        .publish(this.stopsChannel(), replyId)
        .exec();
      const failed = results?.find(([error]) => error);
      if (failed?.[0]) throw failed[0];
    } catch (error) {
      this.logger.warn({ err: error, replyId }, 'could not request a stop');
      throw new ServiceUnavailable(
        'redis',
        'Stop requests cannot be delivered right now, try again shortly',
        {
          retryAfterSeconds: 1,
        },
      );
    }
  }

  async isStopRequested(replyId: MessageId): Promise<boolean> {
    return (await this.client.exists(this.stopKey(replyId))) === 1;
  }

  /**
   * A stop requested before the watch began is known here without a Redis read when this process has heard every
   * stop request since before the reply was created (`createdAt`, less the clocks' margin): each process subscribes
   * to the one channel all stop requests are published on. Otherwise (no creation time, a subscription newer than
   * the reply, or a break in it since) it reads the stop's flag.
   */
  async watch(replyId: MessageId, onStop: () => void, createdAt?: Date): Promise<() => void> {
    this.stopsSubscribed ??= this.subscribeToStops().catch((error: unknown) => {
      this.stopsSubscribed = null;
      throw error;
    });
    const watcher = this.watchers.add(replyId, onStop);
    try {
      await this.stopsSubscribed;
      if (this.heardEveryStopSince(createdAt)) {
        if (this.heardStops.has(replyId)) watcher.notify();
      } else if (await this.isStopRequested(replyId)) watcher.notify();
    } catch (error) {
      watcher.remove();
      throw error;
    }
    return watcher.remove;
  }

  private async subscribeToStops(): Promise<void> {
    const breaks = this.breaks;
    await this.subscriber.subscribe(this.stopsChannel());
    if (this.breaks === breaks && this.hearingSince === 0) this.hearingSince = Date.now();
  }

  private heardEveryStopSince(createdAt: Date | undefined): boolean {
    if (createdAt === undefined || this.hearingSince === 0) return false;
    const created = createdAt.getTime();
    return this.hearingSince <= created - this.clockMarginMs && Date.now() - created < HEARD_STOPS_MS;
  }

  private onMessage(channel: string, message: string): void {
    if (channel === this.stopsChannel()) {
      this.heardStops.set(message as MessageId, true);
      this.watchers.stop(message as MessageId);
      return;
    }
    const replyId = this.replyOfWakeChannel(channel);
    const tail = replyId ? this.tails.get(replyId) : undefined;
    if (replyId && tail) void this.pull(replyId, tail);
  }

  private attach(replyId: MessageId): Tail {
    const existing = this.tails.get(replyId);
    if (existing) {
      existing.followers += 1;
      return existing;
    }
    const tail: Tail = {
      events: [],
      lastId: '0-0',
      followers: 1,
      wake: new Set(),
      pulling: null,
      again: false,
      ready: Promise.resolve(),
    };
    this.tails.set(replyId, tail);
    // Subscribed before the first read: an event appended in between is either read or announced.
    tail.ready = this.subscriber.subscribe(this.wakeChannel(replyId)).then(() => this.pull(replyId, tail));
    tail.ready.catch(() => this.detach(replyId, tail));
    return tail;
  }

  private detach(replyId: MessageId, tail: Tail): void {
    tail.followers -= 1;
    if (tail.followers > 0 || this.tails.get(replyId) !== tail) return;
    this.tails.delete(replyId);
    this.subscriber.unsubscribe(this.wakeChannel(replyId)).catch(() => undefined);
  }

  /** Reads what the tail has not seen; concurrent wake-ups coalesce into one more read. */
  private pull(replyId: MessageId, tail: Tail): Promise<void> {
    if (tail.pulling) {
      tail.again = true;
      return tail.pulling;
    }
    tail.pulling = (async () => {
      try {
        do {
          tail.again = false;
          const fresh = await this.read(replyId, tail.lastId);
          if (fresh.length > 0) {
            tail.events.push(...fresh);
            tail.lastId = fresh[fresh.length - 1]!.id;
            for (const wake of tail.wake) wake();
          }
        } while (tail.again);
      } catch (error) {
        this.logger.warn({ err: error, replyId }, 'could not read reply events; retrying');
        setTimeout(() => {
          if (this.tails.get(replyId) === tail) void this.pull(replyId, tail);
        }, RETRY_PULL_MS).unref();
      } finally {
        tail.pulling = null;
      }
    })();
    return tail.pulling;
  }

  private eventsKey(replyId: MessageId): string {
    return `${this.prefix}reply:{${replyId}}:events`;
  }

  private stopKey(replyId: MessageId): string {
    return `${this.prefix}reply:{${replyId}}:stop`;
  }

  private wakeChannel(replyId: MessageId): string {
    return `${this.prefix}reply:{${replyId}}:wake`;
  }

  private replyOfWakeChannel(channel: string): MessageId | null {
    const head = `${this.prefix}reply:{`;
    if (!channel.startsWith(head) || !channel.endsWith('}:wake')) return null;
    return channel.slice(head.length, -'}:wake'.length) as MessageId;
  }

  private stopsChannel(): string {
    return `${this.prefix}reply-stops`;
  }
}

function toLogged([id, fields]: [string, string[]]): LoggedReplyEvent {
  return { id, event: JSON.parse(fields[1] ?? '{}') as ReplyEvent };
}
