import type { LanguageModel, ModelCallOptions, ModelReply, Turn } from '#application/ports/language-model.ts';
import type { TokenUsage } from '#domain/chatroom/message.ts';

/** Longest echo of the prompt, so a long message gets a short, still recognisable answer. */
const ECHO_LIMIT = 200;
/** A rough average for English text; good enough to show usage without a tokenizer. */
const CHARS_PER_TOKEN = 4;

/** A stand-in for Gemini when no key is configured: answers deterministically and says it is offline. */
export class OfflineLanguageModel implements LanguageModel {
  async reply(conversation: Turn[], options: ModelCallOptions = {}): Promise<ModelReply> {
    options.signal?.throwIfAborted();
    const text = answer(conversation);
    return { text, tokenUsage: estimateUsage(conversation, text) };
  }

  async *stream(conversation: Turn[], options: ModelCallOptions = {}): AsyncIterable<string> {
    const words = answer(conversation).split(/(?<= )/);
    const chunkSize = Math.max(1, Math.ceil(words.length / 4));
    for (let start = 0; start < words.length; start += chunkSize) {
      options.signal?.throwIfAborted();
      yield words.slice(start, start + chunkSize).join('');
    }
  }
}

function answer(conversation: Turn[]): string {
  const prompt = conversation.findLast((turn) => turn.role === 'user')?.text.trim() ?? '';
  const chars = Array.from(prompt);
  const echo =
    chars.length > ECHO_LIMIT
      ? `${chars
          .slice(0, ECHO_LIMIT - 1)
          .join('')
          .trimEnd()}…`
      : prompt;
  return `(offline model) You said: ${echo}`;
}

function estimateUsage(conversation: Turn[], text: string): TokenUsage {
  const promptTokens = conversation.reduce((sum, turn) => sum + tokens(turn.text), 0);
  const candidateTokens = tokens(text);
  return { promptTokens, candidateTokens, totalTokens: promptTokens + candidateTokens };
}

function tokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}
