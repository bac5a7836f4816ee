import type { ChatroomId, MessageId, UserId } from '#domain/shared/ids.ts';

/** How long a send's Idempotency-Key names its exchange (the IETF httpapi draft suggests at least a day). */
export const IDEMPOTENCY_KEY_HOURS = 24;

/** The exchange a user's Idempotency-Key stands for: claimed before anything is stored. */
export interface IdempotencyClaim {
  userId: UserId;
  key: string;
  chatroomId: ChatroomId;
  promptId: MessageId;
  replyId: MessageId;
  createdAt: Date;
}

/** Idempotency keys of sends, per user; a claim is atomic across processes. */
export interface IdempotencyKeys {
  /**
   * Claims `claim.key` for the user, unless a claim younger than IDEMPOTENCY_KEY_HOURS holds it: then that claim
   * is returned (and nothing changes). Null: the key is now ours.
   */
  claim(claim: IdempotencyClaim): Promise<IdempotencyClaim | null>;
  /** Gives up a claim whose send was refused (nothing was stored), so the key can be used again. */
  release(userId: UserId, key: string, replyId: MessageId): Promise<void>;
}
