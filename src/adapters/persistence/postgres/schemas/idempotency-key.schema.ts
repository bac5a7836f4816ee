import { defineEntity, p } from '@mikro-orm/core';
import { UserSchema } from './user.schema.ts';

/** idempotency_keys: a user's send keys (Idempotency-Key), each naming the exchange it made; kept 24 hours. */
export const IdempotencyKeySchema = defineEntity({
  name: 'IdempotencyKey',
  tableName: 'idempotency_keys',
  properties: {
    userId: p.manyToOne(UserSchema).mapToPk().primary().joinColumn('user_id').deleteRule('cascade'),
    key: p.text().primary().check('char_length(key) between 1 and 255'),
    chatroomId: p.uuid().fieldName('chatroom_id'),
    promptId: p.uuid().fieldName('prompt_id'),
    replyId: p.uuid().fieldName('reply_id'),
    createdAt: p.datetime(),
  },
  primaryKeys: ['userId', 'key'],
});
