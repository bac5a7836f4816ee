import { Migration } from '@mikro-orm/migrations';

export class Migration20261201024700_pending_replies_only extends Migration {
  override name = 'Migration20261201024700_pending_replies_only';

  override up(): void | Promise<void> {
    this.addSql(`drop index "messages_pending_created_idx";`);
    this.addSql(
      `create index "messages_pending_replies_idx" on "messages" ("created_at", "id") where "status" = 'pending' and "role" = 'model';`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "messages_pending_replies_idx";`);
    this.addSql(
      `create index "messages_pending_created_idx" on "messages" ("created_at", "id") where status = 'pending'::text;`,
    );
  }
}
