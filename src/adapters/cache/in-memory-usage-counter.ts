import type { InMemoryUnitOfWork } from '#adapters/persistence/in-memory/in-memory-unit-of-work.ts';
import type { QuotaTake, UsageCounter } from '#application/ports/usage-counter.ts';
import type { UserId } from '#domain/shared/ids.ts';

/** Prompts per user and day in a map; exact within one process because no call awaits between read and write. */
export class InMemoryUsageCounter implements UsageCounter {
  private readonly counts = new Map<string, number>();
  private readonly unitOfWork: InMemoryUnitOfWork | undefined;

  /** `unitOfWork`: the in-memory repositories' one, so that a count rides with the messages it pays for. */
  constructor(unitOfWork?: InMemoryUnitOfWork) {
    this.unitOfWork = unitOfWork;
  }

  async take(userId: UserId, day: string, limit: number | null): Promise<QuotaTake> {
    const key = keyOf(userId, day);
    const used = this.counts.get(key) ?? 0;
    if (limit !== null && used >= limit) return { admitted: false, used };
    this.add(key, 1);
    this.unitOfWork?.onUndo(() => this.add(key, -1));
    return { admitted: true, used: used + 1 };
  }

  async giveBack(userId: UserId, day: string): Promise<void> {
    const key = keyOf(userId, day);
    if ((this.counts.get(key) ?? 0) === 0) return;
    this.add(key, -1);
    this.unitOfWork?.onUndo(() => this.add(key, 1));
  }

  async used(userId: UserId, day: string): Promise<number> {
    return this.counts.get(keyOf(userId, day)) ?? 0;
  }

  /** Changes a count, never below zero. */
  private add(key: string, delta: number): void {
    const used = Math.max(0, (this.counts.get(key) ?? 0) + delta);
    if (used === 0) this.counts.delete(key);
    else this.counts.set(key, used);
  }
}

function keyOf(userId: UserId, day: string): string {
  return `${userId}:${day}`;
}
