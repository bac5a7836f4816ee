import type { QuotaTake, UsageCounter } from '#application/ports/usage-counter.ts';
import type { UserId } from '#domain/shared/ids.ts';
import type { EntityManagers } from './entity-managers.ts';

/** Counts one prompt in one statement: the row lock taken by ON CONFLICT serializes parallel takes of a user's day. */
const TAKE_WITHIN_LIMIT = `
  insert into daily_usage (user_id, day, used) select ?::uuid, ?::date, 1 where ?::int > 0
  on conflict (user_id, day) do update set used = daily_usage.used + 1 where daily_usage.used < ?::int
  returning used`;
const TAKE_UNLIMITED = `
  insert into daily_usage (user_id, day, used) values (?, ?, 1)
  on conflict (user_id, day) do update set used = daily_usage.used + 1
  returning used`;
const GIVE_BACK = 'update daily_usage set used = used - 1 where user_id = ? and day = ? and used > 0';
const USED = 'select used from daily_usage where user_id = ? and day = ?';

/** The daily prompt quota, durable in the daily_usage table and exact across processes. */
export class PostgresUsageCounter implements UsageCounter {
  private readonly ems: EntityManagers;

  constructor(ems: EntityManagers) {
    this.ems = ems;
  }

  async take(userId: UserId, day: string, limit: number | null): Promise<QuotaTake> {
    const rows =
      limit === null
        ? await this.query(TAKE_UNLIMITED, [userId, day])
        : await this.query(TAKE_WITHIN_LIMIT, [userId, day, limit, limit]);
    const taken = rows[0];
    return taken
      ? { admitted: true, used: taken.used }
      : { admitted: false, used: await this.used(userId, day) };
  }

  async giveBack(userId: UserId, day: string): Promise<void> {
    await this.ems.current().execute(GIVE_BACK, [userId, day], 'run');
  }

  async used(userId: UserId, day: string): Promise<number> {
    return (await this.query(USED, [userId, day]))[0]?.used ?? 0;
  }

  private query(sql: string, params: unknown[]): Promise<{ used: number }[]> {
    return this.ems.current().execute<{ used: number }[]>(sql, params);
  }
}
