import { ContainerModule } from 'inversify';
import { OfflineLanguageModel } from '#adapters/llm/offline-language-model.ts';
import type { Config } from '../config.ts';
import { TOKENS } from '../tokens.ts';

/** Gemini when GEMINI_API_KEY is set (its SDK loaded only then), else the offline model that says it is offline. */
export function languageModelModule(config: Config): ContainerModule {
  const { apiKey, model, baseUrl, systemInstruction, timeoutMs, offlineWordMs } = config.gemini;
  return new ContainerModule(async ({ bind }) => {
    if (!apiKey) {
      bind(TOKENS.LanguageModel).toResolvedValue(() => new OfflineLanguageModel({ wordMs: offlineWordMs }));
      return;
    }
    const { GeminiLanguageModel } = await import('#adapters/llm/gemini-language-model.ts');
    bind(TOKENS.LanguageModel).toResolvedValue(
      () => new GeminiLanguageModel({ apiKey, model, baseUrl, systemInstruction, timeoutMs }),
    );
  });
}
