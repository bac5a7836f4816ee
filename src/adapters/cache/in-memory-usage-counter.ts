import type { QuotaTake, UsageCounter } from '#application/ports/usage-counter.ts';
import type { UserId } from '#domain/shared/ids.ts';

/** Prompts per user and day in a map; exact within one process because no call awaits between read and write. */
export class InMemoryUsageCounter implements UsageCounter {
  private readonly counts = new Map<string, number>();

  async take(userId: UserId, day: string, limit: number | null): Promise<QuotaTake> {
    const key = keyOf(userId, day);
    const used = this.counts.get(key) ?? 0;
    if (limit !== null && used >= limit) return { admitted: false, used };
    this.counts.set(key, used + 1);
    return { admitted: true, used: used + 1 };
  }

  async giveBack(userId: UserId, day: string): Promise<void> {
    const key = keyOf(userId, day);
    const used = this.counts.get(key) ?? 0;
    if (used <= 1) this.counts.delete(key);
    else this.counts.set(key, used - 1);
  }

  async used(userId: UserId, day: string): Promise<number> {
    return this.counts.get(keyOf(userId, day)) ?? 0;
  }
}

function keyOf(userId: UserId, day: string): string {
  return `${userId}:${day}`;
}
