import {
  IDEMPOTENCY_KEY_HOURS,
  type IdempotencyClaim,
  type IdempotencyKeys,
} from '#application/ports/idempotency-keys.ts';
import type { MessageId, UserId } from '#domain/shared/ids.ts';

export class InMemoryIdempotencyKeys implements IdempotencyKeys {
  private readonly claims = new Map<string, IdempotencyClaim>();

  async claim(claim: IdempotencyClaim): Promise<IdempotencyClaim | null> {
    const id = `${claim.userId}\u0000${claim.key}`;
    const held = this.claims.get(id);
    const expired =
      held && held.createdAt.getTime() <= claim.createdAt.getTime() - IDEMPOTENCY_KEY_HOURS * 3600_000;
    if (held && !expired) return { ...held };
    this.claims.set(id, { ...claim });
    return null;
  }

  async release(userId: UserId, key: string, replyId: MessageId): Promise<void> {
    const id = `${userId}\u0000${key}`;
    if (this.claims.get(id)?.replyId === replyId) this.claims.delete(id);
  }
}
