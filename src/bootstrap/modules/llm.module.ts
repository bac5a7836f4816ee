import { ContainerModule } from 'inversify';
import { OfflineLanguageModel } from '#adapters/llm/offline-language-model.ts';
import type { Config } from '../config.ts';
import { TOKENS } from '../tokens.ts';

/** Gemini when GEMINI_API_KEY is set, else the offline model that says it is offline. */
export async function languageModelModule(
  config: Config,
): Promise<{ module: ContainerModule; describe: string }> {
  const { apiKey, model, baseUrl, systemInstruction, timeoutMs } = config.gemini;
  if (!apiKey) {
    return {
      module: new ContainerModule(({ bind }) => {
        bind(TOKENS.LanguageModel).toConstantValue(new OfflineLanguageModel());
      }),
      describe: 'offline',
    };
  }
  const { GeminiLanguageModel } = await import('#adapters/llm/gemini-language-model.ts');
  const gemini = new GeminiLanguageModel({ apiKey, model, baseUrl, systemInstruction, timeoutMs });
  return {
    module: new ContainerModule(({ bind }) => {
      bind(TOKENS.LanguageModel).toConstantValue(gemini);
    }),
    describe: `gemini (${model}${baseUrl ? ` at ${baseUrl}` : ''})`,
  };
}
