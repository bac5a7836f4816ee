import {
  type Content,
  type GenerateContentParameters,
  type GenerateContentResponse,
  GoogleGenAI,
} from '@google/genai';
import {
  type FinishReason,
  type LanguageModel,
  LanguageModelError,
  type ModelCallOptions,
  type ModelReply,
  type ModelStreamPart,
  type Turn,
} from '#application/ports/language-model.ts';
import type { TokenUsage } from '#domain/chatroom/message.ts';
import { blockOf, classifyFailure, FAILURE } from './gemini-failures.ts';

export interface GeminiOptions {
  apiKey: string;
  model: string;
  /** Another endpoint than Google's (a proxy, or a fake in tests). */
  baseUrl?: string;
  systemInstruction?: string;
  /** Upper bound of one call, on top of any signal the caller passes: the one model timeout (MODEL_TIMEOUT_MS). */
  timeoutMs?: number;
}

/** Google Gemini through @google/genai; failures come out as LanguageModelError classified for the queue. */
export class GeminiLanguageModel implements LanguageModel {
  private readonly client: GoogleGenAI;
  private readonly options: GeminiOptions;

  constructor(options: GeminiOptions) {
    this.options = options;
    this.client = new GoogleGenAI({
      apiKey: options.apiKey,
      // One attempt per call: the reply queue owns retries and their backoff.
      httpOptions: {
        ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
        retryOptions: { attempts: 1 },
      },
    });
  }

  async reply(conversation: Turn[], options: ModelCallOptions = {}): Promise<ModelReply> {
    const signal = this.callSignal(options.signal);
    let response: GenerateContentResponse;
    try {
      response = await this.client.models.generateContent(this.request(conversation, signal));
    } catch (error) {
      throw classifyFailure(error, signal);
    }
    const blocked = blockOf(response);
    if (blocked) throw blocked;
    const text = textOf(response);
    if (!text) throw new LanguageModelError(FAILURE.noAnswer, { retryable: false });
    return { text, tokenUsage: usageOf(response) };
  }

  async *stream(conversation: Turn[], options: ModelCallOptions = {}): AsyncIterable<ModelStreamPart> {
    // Aborted when the consumer stops early, so the HTTP stream is closed instead of left open.
    const stop = new AbortController();
    const signal = this.callSignal(options.signal, stop.signal);
    let answered = false;
    let last: GenerateContentResponse | undefined;
    try {
      const request = this.request(conversation, signal);
      for await (const chunk of await this.client.models.generateContentStream(request)) {
        const blocked = blockOf(chunk);
        if (blocked) throw blocked;
        last = chunk;
        const text = textOf(chunk);
        if (text) {
          answered = true;
          yield { type: 'text', text };
        }
      }
    } catch (error) {
      throw classifyFailure(error, signal);
    } finally {
      stop.abort();
    }
    if (!answered || !last) throw new LanguageModelError(FAILURE.noAnswer, { retryable: false });
    yield { type: 'finish', finishReason: finishReasonOf(last), tokenUsage: usageOf(last) };
  }

  private request(conversation: Turn[], abortSignal: AbortSignal): GenerateContentParameters {
    const { model, systemInstruction } = this.options;
    return {
      model,
      contents: conversation.map(toContent),
      config: { abortSignal, ...(systemInstruction ? { systemInstruction } : {}) },
    };
  }

  private callSignal(...callerSignals: (AbortSignal | undefined)[]): AbortSignal {
    const signals = [
      ...callerSignals,
      this.options.timeoutMs ? AbortSignal.timeout(this.options.timeoutMs) : undefined,
    ];
    const present = signals.filter((signal): signal is AbortSignal => signal !== undefined);
    // A signal that never aborts keeps the classification code free of "no signal" branches.
    return present.length === 0 ? new AbortController().signal : AbortSignal.any(present);
  }
}

function toContent(turn: Turn): Content {
  return { role: turn.role, parts: [{ text: turn.text }] };
}

/** The answer's text parts, without "thought" parts of thinking models. */
function textOf(response: GenerateContentResponse): string {
  const parts = response.candidates?.[0]?.content?.parts ?? [];
  return parts
    .filter((part) => typeof part.text === 'string' && !part.thought)
    .map((part) => part.text)
    .join('');
}

/** Gemini's finish reason in the protocol's terms (the blocking ones never get here: they throw). */
function finishReasonOf(response: GenerateContentResponse): FinishReason {
  const reason = response.candidates?.[0]?.finishReason;
  if (reason === undefined || reason === 'STOP') return 'stop';
  if (reason === 'MAX_TOKENS') return 'length';
  return 'other';
}

function usageOf(response: GenerateContentResponse): TokenUsage | null {
  const usage = response.usageMetadata;
  if (!usage) return null;
  const promptTokens = usage.promptTokenCount ?? 0;
  const candidateTokens = usage.candidatesTokenCount ?? 0;
  return {
    promptTokens,
    candidateTokens,
    totalTokens: usage.totalTokenCount ?? promptTokens + candidateTokens,
  };
}
