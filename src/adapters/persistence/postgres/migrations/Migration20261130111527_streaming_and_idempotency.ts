import { Migration } from '@mikro-orm/migrations';

export class Migration20261130111527_streaming_and_idempotency extends Migration {
  override name = 'Migration20261130111527_streaming_and_idempotency';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "idempotency_keys" ("user_id" uuid not null, "key" text not null, "chatroom_id" uuid not null, "prompt_id" uuid not null, "reply_id" uuid not null, "created_at" timestamptz not null, primary key ("user_id", "key"));`,
    );

    this.addSql(`alter table "messages" drop constraint "messages_status_check";`);
    this.addSql(
      `alter table "messages" add constraint "messages_status_check" check ("status" in ('pending', 'completed', 'failed', 'stopped'));`,
    );

    this.addSql(
      `alter table "idempotency_keys" add constraint "idempotency_keys_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "idempotency_keys" add constraint "idempotency_keys_key_check" check (char_length(key) between 1 and 255);`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "idempotency_keys" cascade;`);

    this.addSql(`alter table "messages" drop constraint "messages_status_check";`);
    this.addSql(
      `alter table "messages" add constraint "messages_status_check" check ("status" in ('pending', 'completed', 'failed'));`,
    );
  }
}
