import { ForeignKeyConstraintViolationException } from '@mikro-orm/core';
import type {
  CountedExchange,
  MessagePage,
  MessageRepository,
  PendingReply,
  PromptCount,
  ReplyContext,
} from '#application/ports/message-repository.ts';
import { ChatroomNotFound } from '#domain/chatroom/chatroom-errors.ts';
import type { Message, MessageProps, TokenUsage } from '#domain/chatroom/message.ts';
import type { ChatroomId, MessageId } from '#domain/shared/ids.ts';
import { PRO_STATUSES, type Tier } from '#domain/subscription/subscription.ts';
import type { EntityManagers } from './entity-managers.ts';
import { MessageSchema } from './schemas/message.schema.ts';
import type { TableRows } from './table-rows.ts';
import { isUuid } from './uuid.ts';

/** Replies still pending, oldest first, on the partial index messages_pending_replies_idx (EXPLAIN in README). */
const PENDING_REPLIES = `
  select m.id, c.owner_id, m.created_at from messages m join chatrooms c on c.id = m.chatroom_id
  where m.status = 'pending' and m.role = 'model' and m.created_at < ? order by m.created_at, m.id limit ?`;

const DISCARD_EXCHANGE = `
  with reply as (delete from messages where id = ? and status = 'pending' and in_reply_to = ? returning in_reply_to)
  delete from messages where id = (select in_reply_to from reply) returning id`;

/** tierOf's Pro statuses as SQL literals (the domain's own constants, never input). */
const PRO_STATUS_LIST = PRO_STATUSES.map((status) => {
  if (!/^[a-z_]+$/.test(status)) throw new Error(`not a status: ${status}`);
  return `'${status}'`;
}).join(', ');

/**
 * The sender's tier, the ownership of the chatroom, the quota take of PostgresUsageCounter and the exchange's
 * multi-row INSERT as one statement (no BEGIN/COMMIT round trips, no reads before it): data-modifying CTEs run
 * once, to completion, in the statement's one transaction, so the exchange is stored exactly when the take admitted
 * it, and a failed insert (the chatroom is gone) undoes the take. The tier is tierOf of the subscription's status
 * (PRO_STATUSES); nothing is taken when the chatroom is not the sender's. The ON CONFLICT row lock serializes
 * parallel takes of a user's day, as before; a user's admits first queue on an advisory lock of theirs (`turn`,
 * held to commit), so each waits once and finds the row free, instead of ON CONFLICT's wait on the row, which
 * starts the insert over after every update it waited for (5.5 fewer context switches of PostgreSQL per send at
 * 32 parallel sends of one user: 13.8 → 8.3). When admitted, the history before the prompt comes back too (as
 * historyBefore reads it), one row per message beside the take's columns, newest first (a nested loop over the one
 * row of the take keeps the order of the index walk; no sort): the reply job of this process starts from it
 * instead of reading it back. A limit of 0 asks for none. The limit is written into the statement (one text per
 * limit, each its own prepared statement), not passed as a parameter: PostgreSQL costs a generic plan's
 * `limit $n` as a tenth of the rows, so once the chatrooms held a few thousand messages the generic plan looked
 * dearer than a plan made for the value 20, and the prepared statement was planned again on every send (about
 * 0.5 ms of PostgreSQL's CPU each; 12 custom plans and no generic one in 12 runs, against 7 generic with the
 * limit in the text).
 */
/** The first key of the advisory lock a user's admits queue on (the second: a hash of the user id). */
export const ADMIT_TURN_LOCK = 1663;

export function countedExchangeSql(columns: string, historyLimit: number): string {
  if (!Number.isSafeInteger(historyLimit) || historyLimit < 0)
    throw new RangeError(`history limit ${historyLimit}`);
  return `
  with turn as (
    select pg_advisory_xact_lock(${ADMIT_TURN_LOCK}, hashtext(?::text))
  ), owned as (
    select exists (select 1 from chatrooms where id = ?::uuid and owner_id = ?::uuid) as owned
  ), quota as (
    select t.tier, case when t.tier = 'pro' then ?::int else ?::int end as lim
    from (select case when exists (
      select 1 from subscriptions where user_id = ?::uuid and status in (${PRO_STATUS_LIST})
    ) then 'pro' else 'basic' end as tier) t
  ), take as (
    insert into daily_usage (user_id, day, used)
    select ?::uuid, ?::date, 1 from turn, quota, owned where owned.owned and (quota.lim is null or quota.lim > 0)
    on conflict (user_id, day) do update set used = daily_usage.used + 1
      where (select lim from quota) is null or daily_usage.used < (select lim from quota)
    returning used
  ), stored as (
    insert into messages (id, chatroom_id, role, content, status, error, in_reply_to, token_usage, created_at)
    select v.id, v.chatroom_id, v.role, v.content, v.status, null, v.in_reply_to, null, v.created_at
    from (values
      (?::uuid, ?::uuid, 'user', ?::text, 'completed', null::uuid, ?::timestamptz),
      (?::uuid, ?::uuid, 'model', ''::text, 'pending', ?::uuid, ?::timestamptz)
    ) as v (id, chatroom_id, role, content, status, in_reply_to, created_at)
    where exists (select 1 from take)
    returning id
  ), history as (
    select ${columns} from messages
    where chatroom_id = ?::uuid and status = 'completed' and (created_at, id) < (?::timestamptz, ?::uuid)
      and exists (select 1 from take)
    order by created_at desc, id desc limit ${historyLimit}
  )
  select s.used, s.stored, s.tier, s.owned, h.* from (
    select (select used from take) as used, (select count(*) from stored)::int as stored,
      (select tier from quota) as tier, (select owned from owned) as owned
  ) s left join history h on true`;
}

/**
 * The reply, its prompt and the prompt's history (completed, newest first, as historyBefore) in one call of the
 * reply_context function (migration 20261201120000): its statements always run on their generic plan, which walks
 * messages_chatroom_created_id_idx backwards from the prompt and stops after `limit` rows. Written as a plain join
 * with the prompt instead, it read every earlier message of the chatroom (a bitmap scan, then a sort): 3.2 ms for a
 * chatroom of 5,000 messages against 0.16 ms (EXPLAIN ANALYZE), a send's cost growing with the conversation. As a
 * prepared statement, the plan depended on the database: with many short chatrooms the plans made for the values
 * (the first five runs of each connection) were that bitmap scan and sort for a long one, and with long chatrooms
 * PostgreSQL planned it again on every run (~0.5 ms each), finding the generic plan dearer than one for the value 20.
 */
const REPLY_CONTEXT_SQL = 'select "part", ("message").* from reply_context(?::uuid, ?::int)';

/** The columns a reply's settling writes. */
const SETTLED_COLUMNS: [keyof MessageProps, string][] = [
  ['status', 'status'],
  ['content', 'content'],
  ['tokenUsage', 'token_usage'],
  ['error', 'error'],
];

/** Messages, paged by the keyset (created_at, id) on the index messages_chatroom_created_id_idx. */
export class PostgresMessageRepository implements MessageRepository {
  private readonly ems: EntityManagers;
  private readonly messages: TableRows<Message>;
  /** countedExchangeSql per history limit (the few lengths the service asks for). */
  private readonly countedExchangeSql = new Map<number, string>();

  constructor(ems: EntityManagers) {
    this.ems = ems;
    this.messages = ems.rowsOf(MessageSchema);
  }

  async addCountedExchange(prompt: Message, reply: Message, count: PromptCount): Promise<CountedExchange> {
    const { userId, day, limits } = count;
    if (!isUuid(prompt.chatroomId)) throw new ChatroomNotFound();
    const params = [
      userId,
      ...[prompt.chatroomId, userId, limits.pro, limits.basic, userId, userId, day],
      ...[prompt.id, prompt.chatroomId, prompt.content, prompt.createdAt],
      ...[reply.id, reply.chatroomId, prompt.id, reply.createdAt],
      ...[prompt.chatroomId, prompt.createdAt, prompt.id],
    ];
    type Row = { used: number | null; stored: number; tier: Tier; owned: boolean; id: string | null };
    let rows: Row[];
    try {
      rows = await this.ems.query<Row>(this.admitSql(count.historyLength ?? 0), params);
    } catch (error) {
      if (error instanceof ForeignKeyConstraintViolationException) throw new ChatroomNotFound();
      throw error;
    }
    const [row] = rows;
    if (!row?.owned) throw new ChatroomNotFound();
    const { tier } = row;
    if (row.used != null && row.stored === 2) {
      const taken = { admitted: true, used: row.used, tier };
      if (count.historyLength === undefined) return taken;
      const newestFirst = row.id === null ? [] : rows.map((message) => this.messages.fromRow(message));
      return { ...taken, history: newestFirst.reverse() };
    }
    const used = await this.ems.query<{ used: number }>(
      'select used from daily_usage where user_id = ? and day = ?',
      [userId, day],
    );
    return { admitted: false, used: used[0]?.used ?? 0, tier };
  }

  private admitSql(historyLimit: number): string {
    let sql = this.countedExchangeSql.get(historyLimit);
    if (sql === undefined) {
      sql = countedExchangeSql(this.messages.columns, historyLimit);
      this.countedExchangeSql.set(historyLimit, sql);
    }
    return sql;
  }

  async replyContext(replyId: MessageId, historyLength: number): Promise<ReplyContext | null> {
    if (!isUuid(replyId)) return null;
    const rows = await this.ems.query<{ part: number } & Record<string, unknown>>(REPLY_CONTEXT_SQL, [
      replyId,
      historyLength,
    ]);
    let reply: Message | null = null;
    let prompt: Message | null = null;
    const newestFirst: Message[] = [];
    for (const row of rows) {
      const message = this.messages.fromRow(row);
      if (row.part === 0) reply = message;
      else if (row.part === 1) prompt = message;
      else newestFirst.push(message);
    }
    if (!reply) return null;
    return { reply, prompt: reply.inReplyTo ? prompt : null, history: prompt ? newestFirst.reverse() : [] };
  }

  async addExchange(prompt: Message, reply: Message): Promise<void> {
    // One multi-row INSERT: the prompt and its pending reply are stored together or not at all.
    try {
      await this.ems.current().insertMany(MessageSchema, [prompt, reply]);
    } catch (error) {
      // The chatroom was deleted between the sender's ownership check and this insert.
      if (error instanceof ForeignKeyConstraintViolationException) throw new ChatroomNotFound();
      throw error;
    }
  }

  async discardExchange(promptId: MessageId, replyId: MessageId): Promise<boolean> {
    if (!isUuid(promptId) || !isUuid(replyId)) return false;
    // One statement: the reply goes only while pending, and its prompt with it.
    const rows = await this.ems.current().execute<unknown[]>(DISCARD_EXCHANGE, [replyId, promptId]);
    return rows.length > 0;
  }

  async findById(id: MessageId): Promise<Message | null> {
    if (!isUuid(id)) return null;
    return (await this.rows(`${this.messages.select} where id = ?`, [id]))[0] ?? null;
  }

  async findInChatroom(chatroomId: ChatroomId, id: MessageId): Promise<Message | null> {
    if (!isUuid(chatroomId) || !isUuid(id)) return null;
    const sql = `${this.messages.select} where id = ? and chatroom_id = ?`;
    return (await this.rows(sql, [id, chatroomId]))[0] ?? null;
  }

  async page(chatroomId: ChatroomId, options: { limit: number; before?: Message }): Promise<MessagePage> {
    if (!isUuid(chatroomId)) return { messages: [], hasMore: false };
    const newestFirst = await this.newestBefore(chatroomId, options.before, options.limit + 1);
    return {
      messages: newestFirst.slice(0, options.limit).reverse(),
      hasMore: newestFirst.length > options.limit,
    };
  }

  async historyBefore(message: Message, limit: number): Promise<Message[]> {
    return (await this.newestBefore(message.chatroomId, message, limit, true)).reverse();
  }

  async complete(id: MessageId, content: string, tokenUsage: TokenUsage | null): Promise<boolean> {
    return this.settle(id, { status: 'completed', content, tokenUsage, error: null });
  }

  async fail(id: MessageId, error: string): Promise<boolean> {
    return this.settle(id, { status: 'failed', error });
  }

  async stop(id: MessageId, content: string): Promise<boolean> {
    return this.settle(id, { status: 'stopped', content });
  }

  async saveProgress(id: MessageId, content: string): Promise<boolean> {
    return this.settle(id, { content });
  }

  async pendingReplies(limit: number, options: { createdBefore?: Date } = {}): Promise<PendingReply[]> {
    const before = options.createdBefore ?? 'infinity';
    const rows = await this.ems
      .current()
      .execute<{ id: string; owner_id: string; created_at: Date | string }[]>(PENDING_REPLIES, [
        before,
        limit,
      ]);
    return rows.map((row) => ({
      replyId: row.id,
      userId: row.owner_id,
      createdAt: new Date(row.created_at),
    }));
  }

  /**
   * Message.complete, .fail, .stop and .progress as one conditional write: only a pending reply changes. Plain SQL
   * over the schema's columns (MikroORM's update builder cost more than the statement on the reply path).
   */
  private async settle(id: MessageId, change: Partial<MessageProps>): Promise<boolean> {
    if (!isUuid(id)) return false;
    const sets: string[] = [];
    const params: unknown[] = [];
    for (const [property, column] of SETTLED_COLUMNS) {
      if (!(property in change)) continue;
      const value = change[property];
      sets.push(property === 'tokenUsage' ? `${column} = ?::jsonb` : `${column} = ?`);
      params.push(property === 'tokenUsage' && value !== null ? JSON.stringify(value) : value);
    }
    const sql = `update messages set ${sets.join(', ')} where id = ? and status = 'pending' returning id`;
    return (await this.ems.query(sql, [...params, id])).length > 0;
  }

  private newestBefore(
    chatroomId: ChatroomId,
    before: Message | undefined,
    limit: number,
    completedOnly = false,
  ): Promise<Message[]> {
    // A row comparison, so PostgreSQL walks (chatroom_id, created_at, id) backwards from the cursor.
    const sql = `${this.messages.select} where chatroom_id = ?${
      completedOnly ? " and status = 'completed'" : ''
    }${before ? ' and (created_at, id) < (?, ?)' : ''} order by created_at desc, id desc limit ?`;
    const params: unknown[] = [chatroomId, ...(before ? [before.createdAt, before.id] : []), limit];
    return this.rows(sql, params);
  }

  private async rows(sql: string, params: unknown[]): Promise<Message[]> {
    return (await this.ems.query<Record<string, unknown>>(sql, params)).map((row) =>
      this.messages.fromRow(row),
    );
  }
}
