import { setTimeout as sleep } from 'node:timers/promises';
import type {
  LanguageModel,
  ModelCallOptions,
  ModelReply,
  ModelStreamPart,
  Turn,
} from '#application/ports/language-model.ts';
import type { TokenUsage } from '#domain/chatroom/message.ts';

/** Longest echo of the prompt, so a long message gets a short, still recognisable answer. */
const ECHO_LIMIT = 200;
/** A rough average for English text; good enough to show usage without a tokenizer. */
const CHARS_PER_TOKEN = 4;

/** A stand-in for Gemini when no key is configured: answers deterministically and says it is offline. */
export class OfflineLanguageModel implements LanguageModel {
  private readonly wordMs: number;

  /** `wordMs`: the pace of a streamed answer, one word at a time (OFFLINE_MODEL_WORD_MS). */
  constructor(options: { wordMs?: number } = {}) {
    this.wordMs = options.wordMs ?? 0;
  }

  async reply(conversation: Turn[], options: ModelCallOptions = {}): Promise<ModelReply> {
    options.signal?.throwIfAborted();
    const text = answer(conversation);
    return { text, tokenUsage: estimateUsage(conversation, text) };
  }

  async *stream(conversation: Turn[], options: ModelCallOptions = {}): AsyncIterable<ModelStreamPart> {
    const text = answer(conversation);
    for (const word of text.split(/(?<= )/)) {
      options.signal?.throwIfAborted();
      if (this.wordMs > 0) await sleep(this.wordMs, undefined, { signal: options.signal });
      yield { type: 'text', text: word };
    }
    yield { type: 'finish', finishReason: 'stop', tokenUsage: estimateUsage(conversation, text) };
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
