import { describe, expect, it } from 'vitest';
import { OfflineLanguageModel } from '#adapters/llm/offline-language-model.ts';
import type { ModelStreamPart, Turn } from '#application/ports/language-model.ts';

const model = new OfflineLanguageModel();
const conversation: Turn[] = [
  { role: 'user', text: 'Hi' },
  { role: 'model', text: '(offline model) You said: Hi' },
  { role: 'user', text: '  What is the capital of France?  ' },
];

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

describe('OfflineLanguageModel', () => {
  it('answers the latest prompt deterministically and says it is offline', async () => {
    const first = await model.reply(conversation);
    expect(first.text).toBe('(offline model) You said: What is the capital of France?');
    expect(await model.reply(conversation)).toEqual(first);
  });

  it('estimates token usage for the conversation and the answer', async () => {
    const { tokenUsage } = await model.reply(conversation);
    expect(tokenUsage).not.toBeNull();
    expect(tokenUsage?.promptTokens).toBeGreaterThan(0);
    expect(tokenUsage?.candidateTokens).toBeGreaterThan(0);
    expect(tokenUsage?.totalTokens).toBe(
      (tokenUsage?.promptTokens ?? 0) + (tokenUsage?.candidateTokens ?? 0),
    );
  });

  it('shortens the echo of a long prompt', async () => {
    const { text } = await model.reply([{ role: 'user', text: 'a'.repeat(8000) }]);
    expect(text.length).toBeLessThan(250);
    expect(text.endsWith('…')).toBe(true);
  });

  it('streams the same answer word by word, then its usage', async () => {
    const deltas = await collect(model.stream(conversation));
    const { text, tokenUsage } = await model.reply(conversation);
    expect(deltas).toEqual(text.split(/(?<= )/));
    expect(await finishOf(model.stream(conversation))).toEqual({
      type: 'finish',
      finishReason: 'stop',
      tokenUsage,
    });
  });

  it('paces the words when asked to, and stops when aborted between words', async () => {
    const paced = new OfflineLanguageModel({ wordMs: 30 });
    const started = performance.now();
    const deltas = await collect(paced.stream([{ role: 'user', text: 'one two' }]));
    expect(deltas.length).toBe(6);
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    const stop = new AbortController();
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const part of paced.stream(conversation, { signal: stop.signal })) {
          if (part.type === 'text') seen.push(part.text);
          if (seen.length === 2) stop.abort();
        }
      })(),
    ).rejects.toThrow();
    expect(seen).toHaveLength(2);
  });

  it('gives up when the call is aborted', async () => {
    await expect(model.reply(conversation, { signal: AbortSignal.abort() })).rejects.toThrow();
  });
});
