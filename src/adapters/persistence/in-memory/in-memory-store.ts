import type { IdempotencyClaim } from '#application/ports/idempotency-keys.ts';
import type { Chatroom } from '#domain/chatroom/chatroom.ts';
import type { Message } from '#domain/chatroom/message.ts';
import type { ChatroomId, MessageId, UserId } from '#domain/shared/ids.ts';
import type { Subscription } from '#domain/subscription/subscription.ts';
import type { Otp } from '#domain/user/otp.ts';
import type { User } from '#domain/user/user.ts';
import { InMemoryUnitOfWork } from './in-memory-unit-of-work.ts';

/** The maps behind the in-memory repositories, shared so that one repository's write is seen by the others. */
export class InMemoryStore {
  readonly users = new Map<UserId, User>();
  readonly otps = new Map<string, Otp>();
  readonly chatrooms = new Map<ChatroomId, Chatroom>();
  readonly messages = new Map<MessageId, Message>();
  readonly subscriptions = new Map<UserId, Subscription>();
  readonly appliedEvents = new Set<string>();
  /** Idempotency claims by `userId NUL key`. */
  readonly idempotencyClaims = new Map<string, IdempotencyClaim>();
  /** Writes made inside one of its units are taken back together when the unit fails. */
  readonly unitOfWork = new InMemoryUnitOfWork();
}

/**
 * A deep copy that keeps the domain class: what goes in or comes out of the store can be changed by the
 * caller without changing what is stored, as with a real database.
 */
export function copy<T extends object>(value: T): T {
  return Object.assign(Object.create(Object.getPrototypeOf(value)) as T, structuredClone({ ...value }));
}

export function copyOrNull<T extends object>(value: T | undefined): T | null {
  return value === undefined ? null : copy(value);
}
