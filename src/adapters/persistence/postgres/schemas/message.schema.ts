import { defineEntity, p } from '@mikro-orm/core';
import { CONTENT_MAX_LENGTH, Message, type MessageProps, type TokenUsage } from '#domain/chatroom/message.ts';
import { ChatroomSchema } from './chatroom.schema.ts';

/** messages: paged per chatroom by (created_at, id); deleted with their chatroom. */
export const MessageSchema = defineEntity({
  class: Message,
  tableName: 'messages',
  properties: {
    id: p.uuid().primary(),
    chatroomId: p.manyToOne(ChatroomSchema).mapToPk().joinColumn('chatroom_id').deleteRule('cascade'),
    role: p.enum(['user', 'model']),
    // A prompt is limited like the API input; a model reply may be longer (and is empty while pending).
    content: p
      .text()
      .check(
        `role = 'model' or (char_length(content) >= 1 and char_length(content) <= ${CONTENT_MAX_LENGTH})`,
      ),
    status: p.enum(['pending', 'completed', 'failed', 'stopped']),
    error: p.text().nullable(),
    // No foreign key: a reply goes away with its chatroom, and the key would need its own index for that delete.
    inReplyTo: p.uuid().nullable().fieldName('in_reply_to'),
    tokenUsage: p.json<TokenUsage>().nullable(),
    createdAt: p.datetime(),
  } satisfies Record<keyof MessageProps, unknown>,
  indexes: [
    { name: 'messages_chatroom_created_id_idx', properties: ['chatroomId', 'createdAt', 'id'] },
    // Only replies still being produced: small, and read by the reconciler every few seconds (ReconcileReplies).
    // `role = 'model'` keeps it out of the plans of `where id = ? and status = 'pending'` (settling a reply): a
    // prepared statement planned while the table was small used it, scanning every pending entry, dead ones too.
    {
      name: 'messages_pending_replies_idx',
      expression: `create index "messages_pending_replies_idx" on "messages" ("created_at", "id") where "status" = 'pending' and "role" = 'model'`,
    },
  ],
});
