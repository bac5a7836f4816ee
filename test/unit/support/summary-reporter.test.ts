import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const VITEST = new URL('../../../node_modules/vitest/vitest.mjs', import.meta.url).pathname;
const FIXTURE_CONFIG = new URL('./summary-fixture/vitest.config.ts', import.meta.url).pathname;

/** The fixture run's output; it fails (a test fails on purpose), so the output comes from the error. */
async function runFixture(): Promise<string> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST')));
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [VITEST, 'run', '--config', FIXTURE_CONFIG],
      {
        env: { ...env, CI: '' },
      },
    );
    return stdout;
  } catch (error) {
    return (error as { stdout: string }).stdout;
  }
}

it('counts every declared test that did not run as skipped, and names errors outside tests', async () => {
  const output = await runFixture();

  // 2 passed; 1 failed; skipped: it.skip, it.todo, 2 in describe.skip, 3 without their service, 1 after a
  // failed beforeAll (that failure is the error outside tests).
  expect(output.trim().split('\n').at(-1)).toBe(
    'tests: 2 passed, 1 failed, 8 skipped; 1 errors outside tests',
  );
}, 60_000);
