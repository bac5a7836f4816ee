import {
  IDEMPOTENCY_KEY_HOURS,
  type IdempotencyClaim,
  type IdempotencyKeys,
} from '#application/ports/idempotency-keys.ts';
import type { MessageId, UserId } from '#domain/shared/ids.ts';
import type { EntityManagers } from './entity-managers.ts';

/**
 * One statement claims the key: a new row, or the row of an expired claim taken over. A concurrent claim of the
 * same key waits on the primary key until the first commits, then finds it held.
 */
const CLAIM = `
  insert into idempotency_keys (user_id, key, chatroom_id, prompt_id, reply_id, created_at)
  values (?, ?, ?, ?, ?, ?)
  on conflict (user_id, key) do update set
    chatroom_id = excluded.chatroom_id, prompt_id = excluded.prompt_id, reply_id = excluded.reply_id,
    created_at = excluded.created_at
  where idempotency_keys.created_at <= excluded.created_at - make_interval(hours => ${IDEMPOTENCY_KEY_HOURS})
  returning reply_id`;
const HELD = `select user_id, key, chatroom_id, prompt_id, reply_id, created_at from idempotency_keys
  where user_id = ? and key = ?`;
const RELEASE = 'delete from idempotency_keys where user_id = ? and key = ? and reply_id = ?';

interface ClaimRow {
  user_id: string;
  key: string;
  chatroom_id: string;
  prompt_id: string;
  reply_id: string;
  created_at: Date | string;
}

export class PostgresIdempotencyKeys implements IdempotencyKeys {
  private readonly ems: EntityManagers;

  constructor(ems: EntityManagers) {
    this.ems = ems;
  }

  async claim(claim: IdempotencyClaim): Promise<IdempotencyClaim | null> {
    const { userId, key, chatroomId, promptId, replyId, createdAt } = claim;
    for (;;) {
      const won = await this.ems.query(CLAIM, [userId, key, chatroomId, promptId, replyId, createdAt]);
      if (won.length > 0) return null;
      const [held] = await this.ems.query<ClaimRow>(HELD, [userId, key]);
      // Released between the two statements: try again.
      if (held) return toClaim(held);
    }
  }

  async release(userId: UserId, key: string, replyId: MessageId): Promise<void> {
    await this.ems.query(RELEASE, [userId, key, replyId]);
  }
}

function toClaim(row: ClaimRow): IdempotencyClaim {
  return {
    userId: row.user_id,
    key: row.key,
    chatroomId: row.chatroom_id,
    promptId: row.prompt_id,
    replyId: row.reply_id,
    createdAt: new Date(row.created_at),
  };
}
