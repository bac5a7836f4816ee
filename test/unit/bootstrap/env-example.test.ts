import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url);

/** The variables the zod schema of src/bootstrap/config.ts reads (its `NAME: z…` keys). */
async function variablesReadByConfig(): Promise<string[]> {
  const source = await readFile(new URL('src/bootstrap/config.ts', root), 'utf8');
  return [...source.matchAll(/^ {2}([A-Z][A-Z0-9_]*): /gm)].map((match) => match[1]!);
}

/** The variables .env.example sets or shows commented out (`NAME=…` or `# NAME=…`). */
async function variablesInEnvExample(): Promise<string[]> {
  const example = await readFile(new URL('.env.example', root), 'utf8');
  return [...example.matchAll(/^(?:# ?)?([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]!);
}

describe('.env.example', () => {
  it('lists every variable the configuration reads, and nothing else', async () => {
    const read = await variablesReadByConfig();
    expect(read.length).toBeGreaterThan(30);
    expect((await variablesInEnvExample()).sort()).toEqual(read.sort());
  });
});
