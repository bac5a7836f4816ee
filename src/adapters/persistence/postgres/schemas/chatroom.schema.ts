import { defineEntity, p } from '@mikro-orm/core';
import { Chatroom, type ChatroomProps, TITLE_MAX_LENGTH } from '#domain/chatroom/chatroom.ts';
import { UserSchema } from './user.schema.ts';

/** chatrooms: listed per owner, newest first (ties by id, time-ordered); deleted with their owner. */
export const ChatroomSchema = defineEntity({
  class: Chatroom,
  tableName: 'chatrooms',
  properties: {
    id: p.uuid().primary(),
    ownerId: p.manyToOne(UserSchema).mapToPk().joinColumn('owner_id').deleteRule('cascade'),
    title: p.text().check(`char_length(title) >= 1 and char_length(title) <= ${TITLE_MAX_LENGTH}`),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  } satisfies Record<keyof ChatroomProps, unknown>,
  // Read backwards for newest first. (Not declared DESC: MikroORM 7.2.1 misreads a DESC on "id" after "owner_id"
  // when it introspects the index, and would report drift forever.)
  indexes: [{ name: 'chatrooms_owner_created_id_idx', properties: ['ownerId', 'createdAt', 'id'] }],
});
