import { describe, expect, it } from 'vitest';
import { OfflineLanguageModel } from '#adapters/llm/offline-language-model.ts';
import type { Turn } from '#application/ports/language-model.ts';

const model = new OfflineLanguageModel();
const conversation: Turn[] = [
  { role: 'user', text: 'Hi' },
  { role: 'model', text: '(offline model) You said: Hi' },
  { role: 'user', text: '  What is the capital of France?  ' },
];

async function collect(stream: AsyncIterable<string>): Promise<string[]> {
  const deltas: string[] = [];
  for await (const delta of stream) deltas.push(delta);
  return deltas;
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

  it('streams the same answer in a few deltas', async () => {
    const deltas = await collect(model.stream(conversation));
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe((await model.reply(conversation)).text);
  });

  it('gives up when the call is aborted', async () => {
    await expect(model.reply(conversation, { signal: AbortSignal.abort() })).rejects.toThrow();
  });
});
