import { Migration } from '@mikro-orm/migrations';

export class Migration20261125165757_pending_replies extends Migration {
  override name = 'Migration20261125165757_pending_replies';

  override up(): void | Promise<void> {
    this.addSql(
      `create index "messages_pending_created_idx" on "messages" ("created_at", "id") where "status" = 'pending';`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "messages_pending_created_idx";`);
  }
}
