import { HISTORY_LENGTH, type Message } from '#domain/chatroom/message.ts';
import { type LanguageModel, LanguageModelError, type Turn } from '../ports/language-model.ts';
import type { Logger } from '../ports/logger.ts';
import type { MessageRepository } from '../ports/message-repository.ts';
import type { ReplyJob, ReplyJobHandler } from '../ports/reply-queue.ts';
import type { UsageCounter } from '../ports/usage-counter.ts';

export interface GenerateReplyDeps {
  messages: MessageRepository;
  /** Bounds each call itself (see GeminiLanguageModel): the limit belongs to the remote call, not to this use case. */
  model: LanguageModel;
  usage: UsageCounter;
  logger: Logger;
}

const GENERIC_FAILURE = 'The model is unavailable right now';

/**
 * The queue's consumer: asks the model with the chatroom's recent history and writes the reply once.
 * A job that runs twice (at-least-once delivery) finds the reply no longer pending and does nothing.
 */
export class GenerateReply implements ReplyJobHandler {
  private readonly deps: GenerateReplyDeps;

  constructor(deps: GenerateReplyDeps) {
    this.deps = deps;
  }

  async handle(job: ReplyJob): Promise<void> {
    const { messages, model } = this.deps;
    const reply = await messages.findById(job.replyId);
    if (!reply?.isPending || !reply.inReplyTo) return;
    const prompt = await messages.findById(reply.inReplyTo);
    if (!prompt) {
      await messages.fail(reply.id, 'The prompt no longer exists');
      return;
    }
    const history = await messages.historyBefore(prompt, HISTORY_LENGTH);
    const answer = await model.reply(toConversation([...history, prompt]));
    await messages.complete(reply.id, answer.text, answer.tokenUsage);
  }

  /** Fails the reply and gives its prompt back to the day it was counted against; once, however often it runs. */
  async giveUp(job: ReplyJob, error: unknown): Promise<void> {
    const { messages, usage, logger } = this.deps;
    const reason = error instanceof LanguageModelError ? error.userMessage : GENERIC_FAILURE;
    logger.warn({ err: error, replyId: job.replyId }, 'reply failed for good');
    if (await messages.fail(job.replyId, reason)) await usage.giveBack(job.userId, job.day);
  }
}

function toConversation(messages: Message[]): Turn[] {
  return messages.map((message) => ({ role: message.role, text: message.content }));
}
