import { Migration } from '@mikro-orm/migrations';

export class Migration20261125163938_initial extends Migration {
  override name = 'Migration20261125163938_initial';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "otps" ("id" uuid not null, "mobile" text not null, "purpose" text not null, "code_hash" text not null, "expires_at" timestamptz not null, "attempts" int not null, "consumed_at" timestamptz null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "otps" add constraint "otps_mobile_purpose_unique" unique ("mobile", "purpose");`,
    );

    this.addSql(
      `create table "processed_payment_events" ("event_id" text not null, "processed_at" timestamptz not null, primary key ("event_id"));`,
    );

    this.addSql(
      `create table "users" ("id" uuid not null, "mobile" text not null, "name" text null, "password_hash" text null, "token_version" int not null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`alter table "users" add constraint "users_mobile_unique" unique ("mobile");`);

    this.addSql(
      `create table "subscriptions" ("user_id" uuid not null, "customer_id" text null, "subscription_id" text null, "status" text null, "current_period_end" timestamptz null, "cancel_at_period_end" boolean not null, "last_event_at" bigint null, "updated_at" timestamptz not null, primary key ("user_id"));`,
    );
    this.addSql(`create index "subscriptions_customer_idx" on "subscriptions" ("customer_id");`);
    this.addSql(
      `alter table "subscriptions" add constraint "subscriptions_subscription_unique" unique ("subscription_id");`,
    );

    this.addSql(
      `create table "daily_usage" ("user_id" uuid not null, "day" date not null, "used" int not null, primary key ("user_id", "day"));`,
    );

    this.addSql(
      `create table "chatrooms" ("id" uuid not null, "owner_id" uuid not null, "title" text not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `create index "chatrooms_owner_created_id_idx" on "chatrooms" ("owner_id", "created_at", "id");`,
    );

    this.addSql(
      `create table "messages" ("id" uuid not null, "chatroom_id" uuid not null, "role" text not null, "content" text not null, "status" text not null, "error" text null, "in_reply_to" uuid null, "token_usage" jsonb null, "created_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `create index "messages_chatroom_created_id_idx" on "messages" ("chatroom_id", "created_at", "id");`,
    );

    this.addSql(`alter table "otps" add constraint "otps_attempts_check" check (attempts >= 0);`);
    this.addSql(
      `alter table "otps" add constraint "otps_purpose_check" check ("purpose" in ('login', 'password_reset'));`,
    );

    this.addSql(
      `alter table "processed_payment_events" add constraint "processed_payment_events_event_id_check" check (char_length(event_id) <= 255);`,
    );

    this.addSql(
      `alter table "users" add constraint "users_mobile_check" check (mobile ~ '^\\+[1-9][0-9]{7,14}$');`,
    );
    this.addSql(
      `alter table "users" add constraint "users_name_check" check (char_length(name) >= 1 and char_length(name) <= 100);`,
    );
    this.addSql(`alter table "users" add constraint "users_token_version_check" check (token_version >= 0);`);

    this.addSql(
      `alter table "subscriptions" add constraint "subscriptions_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "subscriptions" add constraint "subscriptions_customer_id_check" check (char_length(customer_id) <= 255);`,
    );
    this.addSql(
      `alter table "subscriptions" add constraint "subscriptions_subscription_id_check" check (char_length(subscription_id) <= 255);`,
    );
    this.addSql(
      `alter table "subscriptions" add constraint "subscriptions_status_check" check ("status" in ('active', 'trialing', 'past_due', 'incomplete', 'incomplete_expired', 'unpaid', 'paused', 'canceled'));`,
    );

    this.addSql(
      `alter table "daily_usage" add constraint "daily_usage_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`,
    );
    this.addSql(`alter table "daily_usage" add constraint "daily_usage_used_check" check (used >= 0);`);

    this.addSql(
      `alter table "chatrooms" add constraint "chatrooms_owner_id_foreign" foreign key ("owner_id") references "users" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "chatrooms" add constraint "chatrooms_title_check" check (char_length(title) >= 1 and char_length(title) <= 100);`,
    );

    this.addSql(
      `alter table "messages" add constraint "messages_chatroom_id_foreign" foreign key ("chatroom_id") references "chatrooms" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "messages" add constraint "messages_content_check" check (role = 'model' or (char_length(content) >= 1 and char_length(content) <= 8000));`,
    );
    this.addSql(
      `alter table "messages" add constraint "messages_role_check" check ("role" in ('user', 'model'));`,
    );
    this.addSql(
      `alter table "messages" add constraint "messages_status_check" check ("status" in ('pending', 'completed', 'failed'));`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "subscriptions" drop constraint "subscriptions_user_id_foreign";`);
    this.addSql(`alter table "daily_usage" drop constraint "daily_usage_user_id_foreign";`);
    this.addSql(`alter table "chatrooms" drop constraint "chatrooms_owner_id_foreign";`);
    this.addSql(`alter table "messages" drop constraint "messages_chatroom_id_foreign";`);

    this.addSql(`drop table if exists "otps" cascade;`);
    this.addSql(`drop table if exists "processed_payment_events" cascade;`);
    this.addSql(`drop table if exists "users" cascade;`);
    this.addSql(`drop table if exists "subscriptions" cascade;`);
    this.addSql(`drop table if exists "daily_usage" cascade;`);
    this.addSql(`drop table if exists "chatrooms" cascade;`);
    this.addSql(`drop table if exists "messages" cascade;`);
  }
}
