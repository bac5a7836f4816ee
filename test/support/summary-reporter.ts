import type { Reporter, SerializedError, TestModule } from 'vitest/node';

/**
 * Ends the run with one plain line, `tests: N passed, N failed, N skipped`, that any CI log reader understands.
 * Every declared test that did not pass or fail counts as skipped (skip, todo, a suite without its services).
 * Errors no test owns (a file that did not load, a failing beforeAll or afterAll, an unhandled rejection) are
 * added to the line, since the tests they stopped may never have been counted.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
  ): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    let errorsOutsideTests = unhandledErrors.length;
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        counts[state === 'passed' || state === 'failed' ? state : 'skipped'] += 1;
      }
      errorsOutsideTests += module.errors().length;
      for (const suite of module.children.allSuites()) errorsOutsideTests += suite.errors().length;
    }
    const errors = errorsOutsideTests === 0 ? '' : `; ${errorsOutsideTests} errors outside tests`;
    process.stdout.write(
      `\ntests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped${errors}\n`,
    );
  }
}
