import { relative } from 'node:path';
import { createVitest, parseCLI } from 'vitest/node';
import { latestSummary, type Outcome } from './summary-reporter.ts';

/**
 * `npm test`: `vitest run` with the same arguments, and one thing vitest does not do. A test file whose worker
 * process died of a signal (see worker-crash.ts: the engine failed, not a test) runs once more, and the run's
 * result is the second try's: a file that crashes again, or fails, fails the run. Each such file is named in
 * the log, with the signal, so a crash that keeps coming back is seen.
 */
const { filter, options } = parseCLI(['vitest', 'run', ...process.argv.slice(2)]);
const vitest = await createVitest('test', { ...options, run: true, watch: false });

function outcome(): Outcome {
  const summary = latestSummary();
  if (!summary) throw new Error('run-tests needs test/support/summary-reporter.ts among the reporters');
  return summary.outcome();
}

try {
  await vitest.start(filter);
  const { crashed } = outcome();
  // Without a crash, vitest's own exit code stands (it counts what this does not: no test files found, say).
  if (crashed.length > 0) {
    const names = crashed.map((file) => relative(process.cwd(), file)).join(', ');
    process.stdout.write(`\nrunning again, once, after a signal killed its worker: ${names}\n`);
    await vitest.rerunTestSpecifications(crashed.flatMap((file) => vitest.getModuleSpecifications(file)));
    const result = outcome();
    process.exitCode = result.failed === 0 && result.errors === 0 && result.crashed.length === 0 ? 0 : 1;
  }
} catch (error) {
  // vitest's own errors (no test files found, say) read best as their message, as its CLI prints them.
  const own = String((error as { code?: unknown }).code ?? '').startsWith('VITEST_');
  console.error(own ? (error as Error).message : error);
  process.exitCode = 1;
}
await vitest.exit();
