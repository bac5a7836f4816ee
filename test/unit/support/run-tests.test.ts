import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { tempDirPerTest } from '#test/support/temp-dir.ts';
import { crashedFiles } from '#test/support/worker-crash.ts';

const RUN_TESTS = new URL('../../support/run-tests.ts', import.meta.url).pathname;
const FIXTURE_CONFIG = new URL('./crash-fixture/vitest.config.ts', import.meta.url).pathname;

/** `npm test`'s runner on the crash fixture: its exit code and output. */
async function runFixture(env: Record<string, string>): Promise<{ code: number; output: string }> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST')),
  );
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [RUN_TESTS, '--config', FIXTURE_CONFIG], {
      env: { ...inherited, CI: '', ...env },
    });
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, output: failed.stdout };
  }
}

const tempDir = tempDirPerTest('run-tests-');

it('runs a file whose worker a signal killed once more, and passes when it passes then', async () => {
  const { code, output } = await runFixture({ CRASH_MARKER: join(tempDir(), 'crashed') });

  expect(output).toContain(
    'running again, once, after a signal killed its worker: test/unit/support/crash-fixture/crashes.fixture.ts',
  );
  expect(output.trim().split('\n').at(-1)).toBe('tests: 3 passed, 0 failed, 0 skipped');
  expect(code).toBe(0);
}, 60_000);

it('fails the run when the file crashes again', async () => {
  const { code, output } = await runFixture({});

  expect(output.match(/running again/g)).toHaveLength(1);
  expect(output.trim().split('\n').at(-1)).toBe(
    'tests: 1 passed, 0 failed, 2 skipped; 1 errors outside tests',
  );
  expect(code).toBe(1);
}, 60_000);

it('tells a worker killed by a signal from one that exited with a code', () => {
  const crash = new Error('[vitest-pool]: Worker forks emitted error.', {
    cause: new Error(
      'Worker exited unexpectedly with signal SIGTRAP during started state while running test file /a/b.test.ts',
    ),
  });
  expect(crashedFiles(crash)).toEqual({ signal: 'SIGTRAP', files: ['/a/b.test.ts'] });
  expect(
    crashedFiles({
      message:
        'Worker exited unexpectedly with signal SIGSEGV during started state while running test files /a.test.ts, /b.test.ts',
    }),
  ).toEqual({ signal: 'SIGSEGV', files: ['/a.test.ts', '/b.test.ts'] });
  expect(
    crashedFiles(
      new Error(
        'Worker exited unexpectedly with exit code 1 during started state while running test file /a.test.ts',
      ),
    ),
  ).toBeUndefined();
});
