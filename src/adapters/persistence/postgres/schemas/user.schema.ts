import { defineEntity, p } from '@mikro-orm/core';
import { NAME_MAX_LENGTH, User, type UserProps } from '#domain/user/user.ts';

/** users: one row per account; the normalized mobile is unique. */
export const UserSchema = defineEntity({
  class: User,
  tableName: 'users',
  properties: {
    id: p.uuid().primary(),
    mobile: p.text().unique('users_mobile_unique').check("mobile ~ '^\\+[1-9][0-9]{7,14}$'"),
    name: p.text().nullable().check(`char_length(name) >= 1 and char_length(name) <= ${NAME_MAX_LENGTH}`),
    passwordHash: p.text().nullable(),
    tokenVersion: p.integer().check('token_version >= 0'),
    createdAt: p.datetime(),
  } satisfies Record<keyof UserProps, unknown>,
});
