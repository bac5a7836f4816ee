import { defineEntity, p } from '@mikro-orm/core';
import {
  SUBSCRIPTION_STATUSES,
  Subscription,
  type SubscriptionProps,
} from '#domain/subscription/subscription.ts';
import { UserSchema } from './user.schema.ts';

const STRIPE_ID_MAX_LENGTH = 255;

/** subscriptions: one per user, found by Stripe customer or subscription id. */
export const SubscriptionSchema = defineEntity({
  class: Subscription,
  tableName: 'subscriptions',
  properties: {
    userId: p.oneToOne(UserSchema).mapToPk().primary().joinColumn('user_id').deleteRule('cascade'),
    customerId: p
      .text()
      .nullable()
      .index('subscriptions_customer_idx')
      .check(`char_length(customer_id) <= ${STRIPE_ID_MAX_LENGTH}`),
    subscriptionId: p
      .text()
      .nullable()
      .unique('subscriptions_subscription_unique')
      .check(`char_length(subscription_id) <= ${STRIPE_ID_MAX_LENGTH}`),
    status: p.enum([...SUBSCRIPTION_STATUSES]).nullable(),
    currentPeriodEnd: p.datetime().nullable(),
    cancelAtPeriodEnd: p.boolean(),
    lastEventAt: p.bigint('number').nullable(),
    updatedAt: p.datetime(),
  } satisfies Record<keyof SubscriptionProps, unknown>,
});
