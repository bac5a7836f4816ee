import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { FAILURE } from '#adapters/llm/gemini-failures.ts';
import { GeminiLanguageModel, type GeminiOptions } from '#adapters/llm/gemini-language-model.ts';
import { LanguageModelError, type ModelStreamPart, type Turn } from '#application/ports/language-model.ts';
import {
  FakeGemini,
  geminiAnswerBlocked,
  geminiDrop,
  geminiError,
  geminiHang,
  geminiNoCandidates,
  geminiPromptBlocked,
  geminiRateLimited,
  geminiStream,
  geminiText,
} from '#test/support/fake-gemini.ts';

const API_KEY = 'AIza-test-key-do-not-leak';
const MODEL = 'gemini-2.5-flash';

const conversation: Turn[] = [
  { role: 'user', text: 'My name is Asha.' },
  { role: 'model', text: 'Nice to meet you, Asha.' },
  { role: 'user', text: 'What is my name?' },
];

let fake: FakeGemini;

beforeAll(async () => {
  fake = await FakeGemini.start();
});

afterAll(async () => {
  await fake.close();
});

beforeEach(() => {
  fake.requests.length = 0;
});

function gemini(options: Partial<GeminiOptions> = {}): GeminiLanguageModel {
  return new GeminiLanguageModel({ apiKey: API_KEY, model: MODEL, baseUrl: fake.baseUrl, ...options });
}

/** The LanguageModelError a call fails with. */
async function failure(call: Promise<unknown>): Promise<LanguageModelError> {
  const error = await call.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(LanguageModelError);
  const modelError = error as LanguageModelError;
  // Whatever went wrong, the text shown to the user names neither the key nor the upstream body.
  expect(modelError.userMessage).not.toContain(API_KEY);
  expect(modelError.userMessage).not.toMatch(/\{|RESOURCE_EXHAUSTED|quota|INTERNAL|http/i);
  return modelError;
}

/** The text deltas of a streamed answer (the finish part is checked apart). */
async function collect(stream: AsyncIterable<ModelStreamPart>): Promise<string[]> {
  const deltas: string[] = [];
  for await (const part of stream) if (part.type === 'text') deltas.push(part.text);
  return deltas;
}

async function finishOf(stream: AsyncIterable<ModelStreamPart>): Promise<ModelStreamPart | undefined> {
  let last: ModelStreamPart | undefined;
  for await (const part of stream) last = part;
  return last;
}

describe('GeminiLanguageModel.reply: the request', () => {
  it('posts generateContent for the configured model with the key in x-goog-api-key', async () => {
    fake.answerWith(geminiText('Your name is Asha.'));
    await gemini().reply(conversation);
    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe(`/v1/models/${MODEL}:generateContent`);
    expect(request?.headers['x-goog-api-key']).toBe(API_KEY);
    expect(request?.query.has('key')).toBe(false);
  });

  it('sends the history oldest first with roles user/model and the new prompt last', async () => {
    await gemini().reply(conversation);
    expect(fake.requests[0]?.body.contents).toEqual([
      { role: 'user', parts: [{ text: 'My name is Asha.' }] },
      { role: 'model', parts: [{ text: 'Nice to meet you, Asha.' }] },
      { role: 'user', parts: [{ text: 'What is my name?' }] },
    ]);
  });

  it('sends the system instruction when one is configured, and none otherwise', async () => {
    await gemini({ systemInstruction: 'Answer in one sentence.' }).reply(conversation);
    await gemini().reply(conversation);
    expect(fake.requests[0]?.body.systemInstruction?.parts).toEqual([{ text: 'Answer in one sentence.' }]);
    expect(fake.requests[1]?.body.systemInstruction).toBeUndefined();
  });

  it('uses another model name when configured', async () => {
    await gemini({ model: 'gemini-2.5-pro' }).reply(conversation);
    expect(fake.requests[0]?.path).toBe('/v1/models/gemini-2.5-pro:generateContent');
  });
});

describe('GeminiLanguageModel.reply: the answer', () => {
  it('returns the text and the token usage from usageMetadata', async () => {
    fake.answerWith(
      geminiText('Your name is Asha.', {
        promptTokenCount: 21,
        candidatesTokenCount: 6,
        totalTokenCount: 40,
      }),
    );
    expect(await gemini().reply(conversation)).toEqual({
      text: 'Your name is Asha.',
      tokenUsage: { promptTokens: 21, candidateTokens: 6, totalTokens: 40 },
    });
  });

  it('leaves out the thought parts of a thinking model', async () => {
    fake.answerWith({
      kind: 'json',
      status: 200,
      body: {
        candidates: [
          {
            content: { role: 'model', parts: [{ text: 'Let me think…', thought: true }, { text: 'Asha.' }] },
            finishReason: 'STOP',
          },
        ],
      },
    });
    expect(await gemini().reply(conversation)).toEqual({ text: 'Asha.', tokenUsage: null });
  });
});

describe('GeminiLanguageModel.reply: failures classified for the queue', () => {
  it('429 is retryable after the RetryInfo delay Gemini sends', async () => {
    fake.answerWith(geminiRateLimited('7s'));
    const error = await failure(gemini().reply(conversation));
    expect(error).toMatchObject({ retryable: true, retryAfterMs: 7000, userMessage: FAILURE.rateLimited });
  });

  it('429 with a fractional delay, or none, is retryable', async () => {
    fake.answerWith(geminiRateLimited('0.25s'), geminiError(429, 'RESOURCE_EXHAUSTED', 'Too many requests'));
    expect(await failure(gemini().reply(conversation))).toMatchObject({ retryable: true, retryAfterMs: 250 });
    expect(await failure(gemini().reply(conversation))).toMatchObject({
      retryable: true,
      retryAfterMs: undefined,
    });
  });

  it.each([
    [500, 'INTERNAL'],
    [503, 'UNAVAILABLE'],
    [504, 'DEADLINE_EXCEEDED'],
  ])('%i %s is retryable', async (code, status) => {
    fake.answerWith(geminiError(code, status, 'An internal error has occurred.'));
    expect(await failure(gemini().reply(conversation))).toMatchObject({
      retryable: true,
      userMessage: FAILURE.unavailable,
    });
  });

  it('makes one HTTP request per call: retries belong to the queue', async () => {
    fake.answerWith(geminiError(503, 'UNAVAILABLE', 'The model is overloaded.'));
    await failure(gemini().reply(conversation));
    expect(fake.requests).toHaveLength(1);
  });

  it.each([
    [400, 'INVALID_ARGUMENT', FAILURE.rejected],
    [401, 'UNAUTHENTICATED', FAILURE.misconfigured],
    [403, 'PERMISSION_DENIED', FAILURE.misconfigured],
    [404, 'NOT_FOUND', FAILURE.misconfigured],
  ])('%i %s is not retryable', async (code, status, userMessage) => {
    fake.answerWith(geminiError(code, status, `API key ${API_KEY} not valid. Please pass a valid API key.`));
    expect(await failure(gemini().reply(conversation))).toMatchObject({ retryable: false, userMessage });
  });

  it('a blocked prompt is not retryable', async () => {
    fake.answerWith(geminiPromptBlocked('PROHIBITED_CONTENT'));
    expect(await failure(gemini().reply(conversation))).toMatchObject({
      retryable: false,
      userMessage: FAILURE.promptBlocked,
    });
  });

  it('an answer stopped by the safety filters is not retryable', async () => {
    fake.answerWith(geminiAnswerBlocked());
    expect(await failure(gemini().reply(conversation))).toMatchObject({
      retryable: false,
      userMessage: FAILURE.answerBlocked,
    });
  });

  it('an answer without candidates is not retryable', async () => {
    fake.answerWith(geminiNoCandidates);
    expect(await failure(gemini().reply(conversation))).toMatchObject({
      retryable: false,
      userMessage: FAILURE.noAnswer,
    });
  });

  it('a hanging call ends at the caller signal as a retryable timeout', async () => {
    fake.answerWith(geminiHang);
    const started = performance.now();
    const error = await failure(gemini().reply(conversation, { signal: AbortSignal.timeout(300) }));
    expect(error).toMatchObject({ retryable: true, userMessage: FAILURE.timeout });
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('a hanging call ends at the configured timeout when the caller gives no signal', async () => {
    fake.answerWith(geminiHang);
    const error = await failure(gemini({ timeoutMs: 300 }).reply(conversation));
    expect(error).toMatchObject({ retryable: true, userMessage: FAILURE.timeout });
  });

  it('a dropped connection is retryable', async () => {
    fake.answerWith(geminiDrop);
    expect(await failure(gemini().reply(conversation))).toMatchObject({
      retryable: true,
      userMessage: FAILURE.unreachable,
    });
  });

  it('a refused connection is retryable', async () => {
    const closed = await FakeGemini.start();
    const baseUrl = closed.baseUrl;
    await closed.close();
    expect(await failure(gemini({ baseUrl }).reply(conversation))).toMatchObject({
      retryable: true,
      userMessage: FAILURE.unreachable,
    });
  });
});

describe('GeminiLanguageModel.stream', () => {
  it('streams the text deltas of streamGenerateContent over SSE', async () => {
    fake.answerWith(geminiStream(['Your ', 'name is ', 'Asha.']));
    expect(await collect(gemini({ systemInstruction: 'Be brief.' }).stream(conversation))).toEqual([
      'Your ',
      'name is ',
      'Asha.',
    ]);
    fake.answerWith(geminiStream(['Your ', 'name is ', 'Asha.']));
    expect(await finishOf(gemini().stream(conversation))).toEqual({
      type: 'finish',
      finishReason: 'stop',
      tokenUsage: { promptTokens: 3, candidateTokens: 3, totalTokens: 6 },
    });
    const [request] = fake.requests;
    expect(request?.path).toBe(`/v1/models/${MODEL}:streamGenerateContent`);
    expect(request?.query.get('alt')).toBe('sse');
    expect(request?.headers['x-goog-api-key']).toBe(API_KEY);
    expect(request?.body.contents?.at(-1)).toEqual({ role: 'user', parts: [{ text: 'What is my name?' }] });
    expect(request?.body.systemInstruction?.parts).toEqual([{ text: 'Be brief.' }]);
  });

  it('classifies a failure to open the stream like a reply failure', async () => {
    fake.answerWith(geminiRateLimited('3s'), geminiError(400, 'INVALID_ARGUMENT', 'Bad request'));
    expect(await failure(collect(gemini().stream(conversation)))).toMatchObject({
      retryable: true,
      retryAfterMs: 3000,
    });
    expect(await failure(collect(gemini().stream(conversation)))).toMatchObject({ retryable: false });
  });

  it('ends with a non-retryable error when the answer is blocked mid-stream', async () => {
    fake.answerWith({
      kind: 'sse',
      chunks: [
        { candidates: [{ content: { role: 'model', parts: [{ text: 'Well, ' }] }, index: 0 }] },
        { candidates: [{ finishReason: 'SAFETY', index: 0 }] },
      ],
    });
    const deltas: string[] = [];
    const error = await failure(
      (async () => {
        for await (const part of gemini().stream(conversation))
          if (part.type === 'text') deltas.push(part.text);
      })(),
    );
    expect(deltas).toEqual(['Well, ']);
    expect(error).toMatchObject({ retryable: false, userMessage: FAILURE.answerBlocked });
  });

  it('ends with a non-retryable error for a blocked prompt', async () => {
    fake.answerWith({ kind: 'sse', chunks: [{ promptFeedback: { blockReason: 'SAFETY' } }] });
    expect(await failure(collect(gemini().stream(conversation)))).toMatchObject({
      retryable: false,
      userMessage: FAILURE.promptBlocked,
    });
  });

  it('reports an answer cut by the token limit as finishReason length', async () => {
    fake.answerWith({
      kind: 'sse',
      chunks: [
        { candidates: [{ content: { role: 'model', parts: [{ text: 'A long ' }] }, index: 0 }] },
        {
          candidates: [
            { content: { role: 'model', parts: [{ text: 'story' }] }, finishReason: 'MAX_TOKENS', index: 0 },
          ],
        },
      ],
    });
    expect(await finishOf(gemini().stream(conversation))).toMatchObject({
      finishReason: 'length',
      tokenUsage: null,
    });
  });

  it('closes the HTTP stream when the consumer stops reading', async () => {
    fake.answerWith({
      kind: 'sse',
      chunks: [{ candidates: [{ content: { role: 'model', parts: [{ text: 'Once upon ' }] }, index: 0 }] }],
      hold: true,
    });
    for await (const part of gemini().stream(conversation)) {
      expect(part).toEqual({ type: 'text', text: 'Once upon ' });
      break;
    }
    await vi.waitFor(() => expect(fake.openStreams).toBe(0), { timeout: 2000 });
  });

  it('times out a hanging stream as retryable', async () => {
    fake.answerWith(geminiHang);
    const error = await failure(collect(gemini().stream(conversation, { signal: AbortSignal.timeout(300) })));
    expect(error).toMatchObject({ retryable: true, userMessage: FAILURE.timeout });
  });
});
