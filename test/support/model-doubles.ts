import type { LanguageModel, ModelCallOptions, ModelReply, Turn } from '#application/ports/language-model.ts';

type Answer = (conversation: Turn[], call: number) => Promise<ModelReply> | ModelReply;

/** A language model whose answers the test scripts; it keeps every conversation it was asked. */
export class ScriptedLanguageModel implements LanguageModel {
  readonly conversations: Turn[][] = [];
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

  async *stream(conversation: Turn[], options?: ModelCallOptions): AsyncIterable<string> {
    yield (await this.reply(conversation, options)).text;
  }
}
