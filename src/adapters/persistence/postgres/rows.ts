import { Chatroom } from '#domain/chatroom/chatroom.ts';
import { Message, type MessageRole, type MessageStatus, type TokenUsage } from '#domain/chatroom/message.ts';
import { Subscription, type SubscriptionStatus } from '#domain/subscription/subscription.ts';
import type { MobileNumber } from '#domain/user/mobile-number.ts';
import { User } from '#domain/user/user.ts';

/**
 * The hot reads (every request's user, the chatroom, its messages, the subscription) skip MikroORM's query
 * builder and hydration, which cost two to three times the query itself here: plain statements over the columns
 * the schemas in ./schemas declare, mapped to the domain classes below. The persistence contract suite reads every
 * field back through them, so a column that drifts from its mapping fails a test.
 */
type Timestamp = Date | string;

export const USER_COLUMNS = 'id, mobile, name, password_hash, token_version, created_at';
export interface UserRow {
  id: string;
  mobile: string;
  name: string | null;
  password_hash: string | null;
  token_version: number;
  created_at: Timestamp;
}
export function userFromRow(row: UserRow): User {
  return new User({
    id: row.id,
    mobile: row.mobile as MobileNumber,
    name: row.name,
    passwordHash: row.password_hash,
    tokenVersion: row.token_version,
    createdAt: new Date(row.created_at),
  });
}

export const CHATROOM_COLUMNS = 'id, owner_id, title, created_at, updated_at';
export interface ChatroomRow {
  id: string;
  owner_id: string;
  title: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}
export function chatroomFromRow(row: ChatroomRow): Chatroom {
  return new Chatroom({
    id: row.id,
    ownerId: row.owner_id,
    title: row.title,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  });
}

export const MESSAGE_COLUMNS =
  'id, chatroom_id, role, content, status, error, in_reply_to, token_usage, created_at';
export interface MessageRow {
  id: string;
  chatroom_id: string;
  role: MessageRole;
  content: string;
  status: MessageStatus;
  error: string | null;
  in_reply_to: string | null;
  token_usage: TokenUsage | string | null;
  created_at: Timestamp;
}
export function messageFromRow(row: MessageRow): Message {
  return new Message({
    id: row.id,
    chatroomId: row.chatroom_id,
    role: row.role,
    content: row.content,
    status: row.status,
    error: row.error,
    inReplyTo: row.in_reply_to,
    tokenUsage:
      typeof row.token_usage === 'string' ? (JSON.parse(row.token_usage) as TokenUsage) : row.token_usage,
    createdAt: new Date(row.created_at),
  });
}

export const SUBSCRIPTION_COLUMNS =
  'user_id, customer_id, subscription_id, status, current_period_end, cancel_at_period_end, last_event_at, updated_at';
export interface SubscriptionRow {
  user_id: string;
  customer_id: string | null;
  subscription_id: string | null;
  status: SubscriptionStatus | null;
  current_period_end: Timestamp | null;
  cancel_at_period_end: boolean;
  last_event_at: string | number | null;
  updated_at: Timestamp;
}
export function subscriptionFromRow(row: SubscriptionRow): Subscription {
  return new Subscription({
    userId: row.user_id,
    customerId: row.customer_id,
    subscriptionId: row.subscription_id,
    status: row.status,
    currentPeriodEnd: row.current_period_end === null ? null : new Date(row.current_period_end),
    cancelAtPeriodEnd: row.cancel_at_period_end,
    lastEventAt: row.last_event_at === null ? null : Number(row.last_event_at),
    updatedAt: new Date(row.updated_at),
  });
}
