import { quotaDay } from '#domain/quota/daily-quota.ts';
import type { Clock } from '../ports/clock.ts';
import type { ReplyQueue } from '../ports/reply-queue.ts';
import type { Settings } from '../shared/settings.ts';
import { type EndReplyDeps, endReply } from './end-reply.ts';

/**
 * The most overdue replies one pass handles, oldest first. Those it queues again stay pending, so a next pass reads
 * the same ones: more than this many overdue is an incident, hence the warning.
 */
export const RECONCILE_LIMIT = 10_000;

/** What a reply that never got an answer says (a failure the user can act on: the prompt was given back). */
export const TOOK_TOO_LONG = 'The reply took too long; send the prompt again';

export interface ReconcileRepliesDeps extends EndReplyDeps {
  queue: ReplyQueue;
  clock: Clock;
  settings: Pick<Settings, 'replyDeadlines'>;
}

export interface ReconcileOutcome {
  /** Replies handed to the queue again (a job that is still waiting or running is left as it is). */
  requeued: number;
  /** Replies ended `failed`, their prompts given back. */
  failed: number;
}

/**
 * Heals replies that an outage or a crash left pending: their job was lost (Redis restarted empty, a process died
 * before enqueueing) or ended without settling them (the database was down when it gave up). A reply pending past
 * `requeueAfterMs` is queued again under its own id, so a live job is never duplicated and a finished one runs
 * again; past `failAfterMs` (longer than any run of its job) it fails with its prompt given back, and its followers
 * are told. Any number of worker processes may run it at once: enqueues are idempotent and a reply ends once.
 */
export class ReconcileReplies {
  private readonly deps: ReconcileRepliesDeps;

  constructor(deps: ReconcileRepliesDeps) {
    this.deps = deps;
  }

  /** `atStart`: no job of this process runs yet, so every pending reply is queued again, whatever its age. */
  async execute(input: { atStart?: boolean } = {}): Promise<ReconcileOutcome> {
    const { messages, queue, clock, logger } = this.deps;
    const { requeueAfterMs, failAfterMs } = this.deps.settings.replyDeadlines;
    const now = clock.now().getTime();
    const createdBefore = new Date(input.atStart ? now : now - requeueAfterMs);
    const overdue = await messages.pendingReplies(RECONCILE_LIMIT, { createdBefore });
    const outcome: ReconcileOutcome = { requeued: 0, failed: 0 };
    for (const { replyId, userId, createdAt } of overdue) {
      const job = { replyId, userId, day: quotaDay(createdAt) };
      if (now - createdAt.getTime() >= failAfterMs) {
        if (await endReply(this.deps, job, { status: 'failed', error: TOOK_TOO_LONG })) outcome.failed += 1;
      } else {
        await queue.enqueue(job, { replaceFinished: true });
        outcome.requeued += 1;
      }
    }
    if (overdue.length > 0) logger.info({ ...outcome }, 'reconciled replies left pending');
    if (overdue.length >= RECONCILE_LIMIT) {
      logger.warn(
        { limit: RECONCILE_LIMIT },
        'more replies are overdue than one pass handles; the rest wait',
      );
    }
    return outcome;
  }
}
