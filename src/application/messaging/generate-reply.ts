import { HISTORY_LENGTH, type Message } from '#domain/chatroom/message.ts';
import {
  type LanguageModel,
  LanguageModelError,
  type ModelStreamPart,
  type Turn,
} from '../ports/language-model.ts';
import type { Logger } from '../ports/logger.ts';
import type { MessageRepository } from '../ports/message-repository.ts';
import type { ReplyCancellation, ReplyEventLog } from '../ports/reply-events.ts';
import type { ReplyJob, ReplyJobHandler } from '../ports/reply-queue.ts';
import type { UsageCounter } from '../ports/usage-counter.ts';
import { endReply } from './end-reply.ts';
import { ReplyProgress } from './reply-progress.ts';

export interface GenerateReplyDeps {
  messages: MessageRepository;
  /** Bounds each call itself (see GeminiLanguageModel): the limit belongs to the remote call, not to this use case. */
  model: LanguageModel;
  usage: UsageCounter;
  events: ReplyEventLog;
  cancellation: ReplyCancellation;
  logger: Logger;
}

const GENERIC_FAILURE = 'The model is unavailable right now';

type Finish = Extract<ModelStreamPart, { type: 'finish' }>;

/**
 * The queue's consumer: streams the model's answer to the chatroom's recent history into the reply's event log
 * (saving the text so far every second), and writes the reply once. A stop request aborts the model call and keeps
 * the text so far. A job that runs twice (at-least-once delivery) finds the reply no longer pending and does nothing.
 */
export class GenerateReply implements ReplyJobHandler {
  private readonly deps: GenerateReplyDeps;

  constructor(deps: GenerateReplyDeps) {
    this.deps = deps;
  }

  async handle(job: ReplyJob): Promise<void> {
    const { messages, cancellation } = this.deps;
    const reply = await messages.findById(job.replyId);
    if (!reply?.isPending || !reply.inReplyTo) return;
    const stop = new AbortController();
    const unwatch = await cancellation.watch(reply.id, () => stop.abort());
    try {
      if (stop.signal.aborted) {
        await endReply(this.deps, job, { status: 'stopped', content: '' });
        return;
      }
      const prompt = await messages.findById(reply.inReplyTo);
      if (!prompt) {
        await endReply(this.deps, job, { status: 'failed', error: 'The prompt no longer exists' });
        return;
      }
      await this.generate(job, prompt, stop.signal);
    } finally {
      unwatch();
    }
  }

  /** Fails the reply and gives its prompt back to the day it was counted against; once, however often it runs. */
  async giveUp(job: ReplyJob, error: unknown): Promise<void> {
    const reason = error instanceof LanguageModelError ? error.userMessage : GENERIC_FAILURE;
    this.deps.logger.warn({ err: error, replyId: job.replyId }, 'reply failed for good');
    await endReply(this.deps, job, { status: 'failed', error: reason });
  }

  private async generate(job: ReplyJob, prompt: Message, stopped: AbortSignal): Promise<void> {
    const { messages, model, events, logger } = this.deps;
    const history = await messages.historyBefore(prompt, HISTORY_LENGTH);
    const save = (replyId: string, content: string) => messages.saveProgress(replyId, content);
    const progress = new ReplyProgress({ events, save, logger }, job.replyId);
    await progress.begin();
    let finish: Finish | undefined;
    try {
      for await (const part of model.stream(toConversation([...history, prompt]), { signal: stopped })) {
        if (part.type === 'text') progress.add(part.text);
        else finish = part;
      }
    } catch (error) {
      await progress.flush();
      if (stopped.aborted) {
        await endReply(this.deps, job, { status: 'stopped', content: progress.text });
        return;
      }
      // The attempt died: what it wrote stays readable (and stored) until the next attempt starts over.
      await progress.save();
      throw error;
    }
    await progress.flush();
    const tokens = finish?.tokenUsage ?? null;
    await endReply(this.deps, job, {
      status: 'completed',
      content: progress.text,
      tokens,
      finishReason: finish?.finishReason ?? 'stop',
    });
  }
}

function toConversation(messages: Message[]): Turn[] {
  return messages.map((message) => ({ role: message.role, text: message.content }));
}
