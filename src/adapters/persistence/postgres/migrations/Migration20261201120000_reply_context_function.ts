import { Migration } from '@mikro-orm/migrations';

/**
 * reply_context(reply, history): the reply (part 0), its prompt (1) and the prompt's history (2, newest first, at
 * most `history`), as the worker reads them. A PL/pgSQL function so that its statements always run on their generic
 * plan (`set plan_cache_mode`): the history walks messages_chatroom_created_id_idx back from the prompt whatever the
 * chatrooms' sizes, and is not planned again on every call. As a prepared statement, PostgreSQL chose per database:
 * with many short chatrooms a plan made for the values read a long one whole (a bitmap scan and a sort), and with
 * long ones it planned the statement again on every run (~0.5 ms each).
 */
export class Migration20261201120000_reply_context_function extends Migration {
  override name = 'Migration20261201120000_reply_context_function';

  override up(): void | Promise<void> {
    this.addSql(`create function "reply_context"(_reply uuid, _history int)
returns table ("part" int, "message" "messages")
language plpgsql stable
set plan_cache_mode = force_generic_plan
as $$
#variable_conflict use_column
declare
  _prompt uuid;
begin
  return query select 0, r from messages r where r.id = _reply;
  if not found then
    return;
  end if;
  select r.in_reply_to into _prompt from messages r where r.id = _reply;
  if _prompt is null then
    return;
  end if;
  return query select 1, p from messages p where p.id = _prompt;
  return query
    select 2, x.h from messages p cross join lateral (
      select h from messages h
      where h.chatroom_id = p.chatroom_id and h.status = 'completed' and (h.created_at, h.id) < (p.created_at, p.id)
      order by h.created_at desc, h.id desc
      limit _history
    ) x
    where p.id = _prompt;
end
$$;`);
  }

  override down(): void | Promise<void> {
    this.addSql('drop function "reply_context"(uuid, int);');
  }
}
