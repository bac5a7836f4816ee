import type { OtpRepository } from '#application/ports/otp-repository.ts';
import type { MobileNumber } from '#domain/user/mobile-number.ts';
import { MAX_OTP_ATTEMPTS, type Otp } from '#domain/user/otp.ts';
import type { EntityManagers } from './entity-managers.ts';
import { OtpSchema } from './schemas/otp.schema.ts';
import type { TableRows } from './table-rows.ts';
import { isUuid } from './uuid.ts';

/** One-time codes: one row per (mobile, purpose); the counters change in single conditional UPDATEs. */
export class PostgresOtpRepository implements OtpRepository {
  private readonly ems: EntityManagers;
  private readonly otps: TableRows<Otp>;

  constructor(ems: EntityManagers) {
    this.ems = ems;
    this.otps = ems.rowsOf(OtpSchema);
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

  async findUnused(mobile: MobileNumber): Promise<Otp[]> {
    const sql = `${this.otps.select} where mobile = ? and consumed_at is null order by created_at desc, id desc`;
    return (await this.ems.current().execute(sql, [mobile])).map((row) => this.otps.fromRow(row));
  }

  async recordFailedAttempt(id: string): Promise<Otp | null> {
    if (!isUuid(id)) return null;
    // Otp.withFailedAttempt in one statement, so parallel wrong guesses are all counted.
    const sql = `update otps set attempts = attempts + 1 where id = ? returning ${this.otps.columns}`;
    const [row] = await this.ems.current().execute(sql, [id]);
    return row ? this.otps.fromRow(row) : null;
  }

  async consume(id: string, now: Date): Promise<boolean> {
    if (!isUuid(id)) return false;
    // Otp.consume as a conditional write: unused, not burned, not expired; of parallel consumers one wins.
    const usable = { id, consumedAt: null, attempts: { $lt: MAX_OTP_ATTEMPTS }, expiresAt: { $gt: now } };
    return (await this.ems.current().nativeUpdate(OtpSchema, usable, { consumedAt: now })) > 0;
  }
}
