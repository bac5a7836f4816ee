import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '#application/ports/logger.ts';
import type { UserId } from '#domain/shared/ids.ts';
import type { UserInvalidations } from './user-invalidations.ts';

export interface RedisUserInvalidationsOptions {
  /** Publishes announcements and acknowledgements. */
  client: Redis;
  /** The process's Pub/Sub connection (shared with other subscribers; messages are told apart by channel). */
  subscriber: Redis;
  keyPrefix: string;
  logger: Logger;
  /** How long an announcement waits for every process's acknowledgement. */
  ackTimeoutMs?: number;
}

const ACK_TIMEOUT_MS = 2000;
const RETRY_PUBLISH_MS = 500;

interface Pending {
  acked: number;
  expected: number | null;
  done: () => void;
}

/**
 * Announcements over Redis Pub/Sub, acknowledged: every process caching users subscribes; an announcement is
 * published, each subscriber drops its copy and acknowledges, and `announce` resolves once PUBLISH's count of
 * receivers have acknowledged. So when a password change answers, no process serves the old token version any
 * more. A process whose subscription is down is not `live` (it reads the database) and drops every copy when it is
 * subscribed again; an announcement that cannot be published is retried until it is.
 */
export class RedisUserInvalidations implements UserInvalidations {
  private readonly client: Redis;
  private readonly subscriber: Redis;
  private readonly channel: string;
  private readonly ackChannel: string;
  private readonly logger: Logger;
  private readonly ackTimeoutMs: number;
  private readonly listeners: ((userId: UserId | null) => void)[] = [];
  private readonly pending = new Map<string, Pending>();
  private subscribed = false;
  private current = 0;

  constructor(options: RedisUserInvalidationsOptions) {
    this.client = options.client;
    this.subscriber = options.subscriber;
    this.channel = `${options.keyPrefix}users:changed`;
    this.ackChannel = `${options.keyPrefix}users:changed:ack`;
    this.logger = options.logger;
    this.ackTimeoutMs = options.ackTimeoutMs ?? ACK_TIMEOUT_MS;
    this.subscriber.on('message', (channel: string, message: string) => this.onMessage(channel, message));
    // Announcements made while the connection is down are lost to this process: stop trusting its copies.
    this.subscriber.on('close', () => this.unsubscribed());
    this.subscriber.on('ready', () => void this.subscribe());
  }

  get live(): boolean {
    return this.subscribed;
  }

  get epoch(): number {
    return this.current;
  }

  onInvalidate(listener: (userId: UserId | null) => void): void {
    this.listeners.push(listener);
  }

  /** Subscribes (also after a reconnection); the copies kept before may have missed announcements. */
  async subscribe(): Promise<void> {
    try {
      await this.subscriber.subscribe(this.channel, this.ackChannel);
    } catch (error) {
      this.logger.warn(
        { err: error },
        'could not subscribe to user changes; reading users from the database',
      );
      return;
    }
    this.drop(null);
    this.subscribed = true;
  }

  async announce(userId: UserId): Promise<void> {
    // This process first: it never serves its old copy, whatever Redis does.
    this.drop(userId);
    const nonce = randomUUID();
    const acknowledged = new Promise<void>((resolve) => {
      this.pending.set(nonce, { acked: 0, expected: null, done: resolve });
    });
    let receivers: number;
    try {
      receivers = await this.client.publish(this.channel, `${nonce} ${userId}`);
    } catch (error) {
      this.pending.delete(nonce);
      this.logger.error({ err: error, userId }, 'could not announce a user change; retrying');
      this.retryLater(userId);
      return;
    }
    const pending = this.pending.get(nonce);
    if (pending) {
      pending.expected = receivers;
      if (pending.acked >= receivers) pending.done();
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), this.ackTimeoutMs);
    });
    const late = await Promise.race([acknowledged.then(() => false), timedOut]);
    clearTimeout(timer);
    const left = this.pending.get(nonce);
    this.pending.delete(nonce);
    if (late) {
      this.logger.warn(
        { userId, receivers, acknowledged: left?.acked ?? 0 },
        'not every process acknowledged a user change in time',
      );
    }
  }

  private retryLater(userId: UserId): void {
    setTimeout(() => {
      this.client.publish(this.channel, `${randomUUID()} ${userId}`).catch(() => this.retryLater(userId));
    }, RETRY_PUBLISH_MS).unref();
  }

  private onMessage(channel: string, message: string): void {
    if (channel === this.channel) {
      const [nonce, userId] = message.split(' ') as [string, UserId];
      this.drop(userId);
      this.client.publish(this.ackChannel, nonce).catch((error: unknown) => {
        this.logger.warn({ err: error }, 'could not acknowledge a user change');
      });
    } else if (channel === this.ackChannel) {
      const pending = this.pending.get(message);
      if (!pending) return;
      pending.acked += 1;
      if (pending.expected !== null && pending.acked >= pending.expected) pending.done();
    }
  }

  private unsubscribed(): void {
    if (!this.subscribed) return;
    this.subscribed = false;
    this.drop(null);
  }

  private drop(userId: UserId | null): void {
    this.current += 1;
    for (const listener of this.listeners) listener(userId);
  }
}
