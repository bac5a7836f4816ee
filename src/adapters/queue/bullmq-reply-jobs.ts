/** What the producer and the workers agree on: one queue, one job name, the custom backoff's name. */
export const REPLY_QUEUE_NAME = 'replies';
export const REPLY_JOB_NAME = 'reply';
export const REPLY_BACKOFF_TYPE = 'reply-backoff';
