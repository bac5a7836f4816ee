import type { OtpRepository } from '#application/ports/otp-repository.ts';
import type { MobileNumber } from '#domain/user/mobile-number.ts';
import type { Otp } from '#domain/user/otp.ts';
import type { EntityManagers } from './entity-managers.ts';
import { OtpSchema } from './schemas/otp.schema.ts';

/** One-time codes: one row per (mobile, purpose); the counters change in single conditional UPDATEs. */
export class MikroOrmOtpRepository implements OtpRepository {
  private readonly ems: EntityManagers;

  constructor(ems: EntityManagers) {
    this.ems = ems;
  }

  async replace(otp: Otp): Promise<void> {
    // One upsert on the (mobile, purpose) key: two parallel sends cannot leave two live codes.
    await this.ems
      .current()
      .qb(OtpSchema)
      .insert(otp)
      .onConflict(['mobile', 'purpose'])
      .merge()
      .execute('run');
  }

  findUnused(mobile: MobileNumber): Promise<Otp[]> {
    return this.ems
      .current()
      .find(
        OtpSchema,
        { mobile, consumedAt: null },
        { orderBy: { createdAt: 'desc', id: 'desc' }, disableIdentityMap: true },
      );
  }

  async recordFailedAttempt(id: string): Promise<number> {
    const rows = await this.ems
      .current()
      .execute<{ attempts: number }[]>(
        'update otps set attempts = attempts + 1 where id = ? returning attempts',
        [id],
      );
    return rows[0]?.attempts ?? 0;
  }

  async consume(id: string, now: Date, maxAttempts: number): Promise<boolean> {
    const consumed = await this.ems
      .current()
      .nativeUpdate(OtpSchema, { id, consumedAt: null, attempts: { $lt: maxAttempts } }, { consumedAt: now });
    return consumed > 0;
  }
}
