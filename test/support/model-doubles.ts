import { setTimeout as sleep } from 'node:timers/promises';
import type {
  LanguageModel,
  ModelCallOptions,
  ModelReply,
  ModelStreamPart,
  Turn,
} from '#application/ports/language-model.ts';

type Answer = (conversation: Turn[], call: number) => Promise<ModelReply> | ModelReply;

/** A language model whose answers the test scripts; it keeps every conversation it was asked. */
export class ScriptedLanguageModel implements LanguageModel {
  readonly conversations: Turn[][] = [];
  /** Pause before each streamed word (ms). */
  wordMs = 0;
  private answer: Answer;

  constructor(
    answer: Answer = (conversation) => ({ text: `echo: ${conversation.at(-1)?.text}`, tokenUsage: null }),
  ) {
    this.answer = answer;
  }

  answerWith(answer: Answer): void {
    this.answer = answer;
  }

  async reply(conversation: Turn[], _options?: ModelCallOptions): Promise<ModelReply> {
    this.conversations.push(conversation);
    return this.answer(conversation, this.conversations.length);
  }

  /** The scripted answer word by word, `wordMs` apart (0: all at once). */
  async *stream(conversation: Turn[], options?: ModelCallOptions): AsyncIterable<ModelStreamPart> {
    const answer = await this.reply(conversation, options);
    for (const word of answer.text.split(/(?<= )/)) {
      if (this.wordMs > 0) await sleep(this.wordMs, undefined, { signal: options?.signal });
      options?.signal?.throwIfAborted();
      yield { type: 'text', text: word };
    }
    yield { type: 'finish', finishReason: 'stop', tokenUsage: answer.tokenUsage };
  }
}
