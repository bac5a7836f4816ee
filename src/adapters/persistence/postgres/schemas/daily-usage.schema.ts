import { defineEntity, p } from '@mikro-orm/core';
import { UserSchema } from './user.schema.ts';

/** daily_usage: prompts counted per user and UTC day, changed only by single atomic statements. */
export const DailyUsageSchema = defineEntity({
  name: 'DailyUsage',
  tableName: 'daily_usage',
  properties: {
    userId: p.manyToOne(UserSchema).mapToPk().primary().joinColumn('user_id').deleteRule('cascade'),
    day: p.date().primary(),
    used: p.integer().check('used >= 0'),
  },
  primaryKeys: ['userId', 'day'],
});
