import { HISTORY_LENGTH, type Message, type TokenUsage } from '#domain/chatroom/message.ts';
import type { Clock } from '../ports/clock.ts';
import {
  type LanguageModel,
  LanguageModelError,
  type ModelStreamPart,
  type Turn,
} from '../ports/language-model.ts';
import type { Logger } from '../ports/logger.ts';
import type { MessageRepository, ReplyContext } from '../ports/message-repository.ts';
import type { Metrics } from '../ports/metrics.ts';
import type { ReplyCancellation, ReplyEvent, ReplyEventLog } from '../ports/reply-events.ts';
import type { ReplyJob, ReplyJobHandler } from '../ports/reply-queue.ts';
import type { SubscriptionStore } from '../ports/subscription-repository.ts';
import type { UnitOfWork } from '../ports/unit-of-work.ts';
import type { UsageCounter } from '../ports/usage-counter.ts';
import { ServiceUnavailable, type UnavailableService } from '../shared/service-unavailable.ts';
import { tierOfUser } from '../shared/tier.ts';
import { endReply, type ReplyEnding } from './end-reply.ts';
import { ReplyProgress } from './reply-progress.ts';

export interface GenerateReplyDeps {
  messages: MessageRepository;
  /** Bounds each call itself (see GeminiLanguageModel): the limit belongs to the remote call, not to this use case. */
  model: LanguageModel;
  usage: UsageCounter;
  unitOfWork: UnitOfWork;
  events: ReplyEventLog;
  cancellation: ReplyCancellation;
  /** The sender's tier, for the token counts. */
  subscriptions: SubscriptionStore;
  clock: Clock;
  metrics: Metrics;
  logger: Logger;
}

const GENERIC_FAILURE = 'The model is unavailable right now';

/** The service's own backing services: when one of them is what failed, the model never had its chance. */
const OWN_SERVICES = new Set<UnavailableService>(['database', 'redis', 'queue']);

type Finish = Extract<ModelStreamPart, { type: 'finish' }>;

/**
 * The queue's consumer: streams the model's answer to the chatroom's recent history into the reply's event log
 * (saving the text so far every second), and writes the reply once. A stop request aborts the model call and keeps
 * the text so far. A job that runs twice (at-least-once delivery) finds the reply no longer pending and does nothing.
 * Every line it logs about a job carries the job's request id.
 */
export class GenerateReply implements ReplyJobHandler {
  private readonly deps: GenerateReplyDeps;

  constructor(deps: GenerateReplyDeps) {
    this.deps = deps;
  }

  /**
   * Resolves with the reply as stored when this call completed it, and hands it to `stored` as soon as it is stored
   * (before the end event is appended and the job ends). `handed`: the context as the send stored it (the first
   * attempt, in the sending process); else it is read.
   */
  async handle(
    job: ReplyJob,
    handed?: ReplyContext,
    stored?: (reply: Message) => void,
  ): Promise<Message | undefined> {
    const deps = this.forJob(job);
    const stop = new AbortController();
    // The watch for a stop is set up while the reply is read (two round trips at once, not one after the other).
    const [read, watched] = await Promise.allSettled([
      handed ?? deps.messages.replyContext(job.replyId, HISTORY_LENGTH),
      deps.cancellation.watch(job.replyId, () => stop.abort(), handed?.reply.createdAt),
    ]);
    if (read.status === 'rejected') {
      if (watched.status === 'fulfilled') watched.value();
      throw read.reason;
    }
    if (watched.status === 'rejected') throw watched.reason;
    const context = read.value;
    const unwatch = watched.value;
    if (!context?.reply.isPending || !context.reply.inReplyTo) {
      unwatch();
      return undefined;
    }
    const { reply } = context;
    try {
      if (stop.signal.aborted) {
        await this.end(deps, job, reply, { status: 'stopped', content: '' });
        return undefined;
      }
      const { prompt } = context;
      if (!prompt) {
        await this.end(deps, job, reply, {
          status: 'failed',
          error: 'The prompt no longer exists',
        });
        return undefined;
      }
      return await this.generate(deps, job, reply, prompt, context.history, stop.signal, stored);
    } finally {
      unwatch();
    }
  }

  /**
   * Fails the reply and gives its prompt back to the day it was counted against; once, however often it runs. When
   * the last attempt died of an outage of the service's own database or Redis, the reply is left pending instead:
   * ReconcileReplies queues it again once they are back (or fails it at its final deadline).
   */
  async giveUp(job: ReplyJob, error: unknown): Promise<void> {
    const deps = this.forJob(job);
    if (error instanceof ServiceUnavailable && OWN_SERVICES.has(error.service)) {
      deps.logger.warn(
        { err: error, replyId: job.replyId },
        'reply left pending until its services are back',
      );
      return;
    }
    const reason = error instanceof LanguageModelError ? error.userMessage : GENERIC_FAILURE;
    deps.logger.warn({ err: error, replyId: job.replyId }, 'reply failed for good');
    const reply = await deps.messages.findById(job.replyId);
    await this.end(deps, job, reply, { status: 'failed', error: reason });
  }

  /** The dependencies with a logger that tags every line with the job's request id. */
  private forJob(job: ReplyJob): GenerateReplyDeps {
    if (job.requestId === undefined) return this.deps;
    return { ...this.deps, logger: this.deps.logger.child({ reqId: job.requestId }) };
  }

  private async generate(
    deps: GenerateReplyDeps,
    job: ReplyJob,
    reply: Message,
    prompt: Message,
    history: Message[],
    stopped: AbortSignal,
    stored?: (reply: Message) => void,
  ): Promise<Message | undefined> {
    const { messages, model, events, logger, metrics } = deps;
    const save = (replyId: string, content: string) => messages.saveProgress(replyId, content);
    const progress = new ReplyProgress({ events, save, logger }, job.replyId);
    await progress.begin();
    let finish: Finish | undefined;
    try {
      for await (const part of model.stream(toConversation([...history, prompt]), { signal: stopped })) {
        if (part.type !== 'text') finish = part;
        else {
          if (progress.text === '' && part.text !== '')
            metrics.replyFirstText(this.secondsSince(reply.createdAt));
          progress.add(part.text);
        }
      }
    } catch (error) {
      progress.close();
      await progress.flush();
      if (stopped.aborted) {
        await this.end(deps, job, reply, { status: 'stopped', content: progress.text });
        return undefined;
      }
      metrics.modelFailed(failureOf(error));
      // The attempt died: what it wrote stays readable (and stored) until the next attempt starts over.
      await progress.save();
      throw error;
    }
    progress.close();
    // The deltas still buffered go to the log with the end event, in one write after the reply is stored (which
    // goes on while the earlier appends finish).
    const ending: ReplyEnding = {
      status: 'completed',
      content: progress.text,
      tokens: finish?.tokenUsage ?? null,
      finishReason: finish?.finishReason ?? 'stop',
    };
    let completed: Message | undefined;
    const onStored = () => {
      completed = reply.complete(ending.content, ending.tokens) ?? undefined;
      if (completed) stored?.(completed);
    };
    if (!(await this.end(deps, job, reply, ending, progress.unsent(), onStored))) return undefined;
    return completed;
  }

  /** Ends the reply (see endReply); when this call is the one that ended it, logs and counts how. */
  private async end(
    deps: GenerateReplyDeps,
    job: ReplyJob,
    reply: Message | null,
    ending: ReplyEnding,
    leading: ReplyEvent[] | Promise<ReplyEvent[]> = [],
    onStored?: () => void,
  ): Promise<boolean> {
    if (!(await endReply(deps, job, ending, leading, onStored))) return false;
    const seconds = reply ? this.secondsSince(reply.createdAt) : undefined;
    deps.logger.info({ replyId: job.replyId, status: ending.status, seconds }, 'reply ended');
    if (seconds !== undefined) deps.metrics.replyEnded(ending.status, seconds);
    if (ending.status === 'completed' && ending.tokens) await this.countTokens(deps, job, ending.tokens);
    return true;
  }

  /** Counts the tokens against the sender's tier; a failed lookup costs the count, never the reply. */
  private async countTokens(deps: GenerateReplyDeps, job: ReplyJob, tokens: TokenUsage): Promise<void> {
    try {
      deps.metrics.tokensUsed(job.tier ?? (await tierOfUser(deps.subscriptions, job.userId)), tokens);
    } catch (error) {
      deps.logger.warn({ err: error, replyId: job.replyId }, 'could not count the tokens of a reply');
    }
  }

  private secondsSince(moment: Date): number {
    return Math.max(0, this.deps.clock.now().getTime() - moment.getTime()) / 1000;
  }
}

/** A failed model call as metrics label it: the adapter's kind, or `unexpected` for anything else thrown. */
function failureOf(error: unknown): { kind: string; retryable: boolean } {
  if (error instanceof LanguageModelError) return { kind: error.kind, retryable: error.retryable };
  return { kind: 'unexpected', retryable: true };
}

function toConversation(messages: Message[]): Turn[] {
  return messages.map((message) => ({ role: message.role, text: message.content }));
}
