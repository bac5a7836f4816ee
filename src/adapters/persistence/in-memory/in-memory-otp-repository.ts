import type { OtpRepository } from '#application/ports/otp-repository.ts';
import type { MobileNumber } from '#domain/user/mobile-number.ts';
import type { Otp } from '#domain/user/otp.ts';
import { copy, type InMemoryStore } from './in-memory-store.ts';

/** One-time codes in a map; counters change without awaiting, so parallel guesses cannot lose updates. */
export class InMemoryOtpRepository implements OtpRepository {
  private readonly store: InMemoryStore;

  constructor(store: InMemoryStore) {
    this.store = store;
  }

  async replace(otp: Otp): Promise<void> {
    for (const stored of [...this.store.otps.values()]) {
      if (stored.mobile === otp.mobile && stored.purpose === otp.purpose && stored.consumedAt === null) {
        this.store.otps.delete(stored.id);
      }
    }
    this.store.otps.set(otp.id, copy(otp));
  }

  async findUnused(mobile: MobileNumber): Promise<Otp[]> {
    return [...this.store.otps.values()]
      .filter((otp) => otp.mobile === mobile && otp.consumedAt === null)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
      .map(copy);
  }

  async recordFailedAttempt(id: string): Promise<Otp | null> {
    const counted = this.store.otps.get(id)?.withFailedAttempt();
    if (!counted) return null;
    this.store.otps.set(id, counted);
    return copy(counted);
  }

  async consume(id: string, now: Date): Promise<boolean> {
    const consumed = this.store.otps.get(id)?.consume(now);
    if (!consumed) return false;
    this.store.otps.set(id, copy(consumed));
    return true;
  }
}
