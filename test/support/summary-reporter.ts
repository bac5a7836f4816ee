import type { Reporter, SerializedError, TestModule } from 'vitest/node';
import { crashedFiles } from './worker-crash.ts';

/** Where the running reporter can be found: see latestSummary. */
const SUMMARY = Symbol.for('test-support.summary-reporter');

/** The summary reporter of the vitest running in this process, once it has been set up. */
export function latestSummary(): { outcome(): Outcome } | undefined {
  return (globalThis as { [SUMMARY]?: SummaryReporter })[SUMMARY];
}

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
  /** Errors no test owns, in the module or its suites. */
  errors: number;
}

/** Where the run stands once every run (the first, and any run again of crashed files) has ended. */
export interface Outcome extends Counts {
  /** Files whose worker process died of a signal in the latest run that ran them. */
  crashed: string[];
}

/**
 * Ends the run with one plain line, `tests: N passed, N failed, N skipped`, that any CI log reader understands.
 * Every declared test that did not pass or fail counts as skipped (skip, todo, a suite without its services).
 * Errors no test owns (a file that did not load, a failing beforeAll or afterAll, an unhandled rejection, a worker
 * killed by a signal) are added to the line, since the tests they stopped may never have been counted.
 *
 * A file run again (test/support/run-tests.ts, after its worker crashed) replaces its first counts, and its crash
 * is forgotten; the line after each run is the whole run's.
 */
export default class SummaryReporter implements Reporter {
  readonly #modules = new Map<string, Counts>();
  #unhandled: SerializedError[] = [];

  constructor() {
    // For run-tests.ts in the same process; vitest may load this module as a copy of its own.
    (globalThis as { [SUMMARY]?: SummaryReporter })[SUMMARY] = this;
  }

  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
  ): void {
    const ran = new Set(testModules.map((module) => module.moduleId));
    this.#unhandled = [
      ...this.#unhandled.filter((error) => !crashedFiles(error)?.files.some((file) => ran.has(file))),
      ...unhandledErrors,
    ];
    for (const module of testModules) {
      const counts = { passed: 0, failed: 0, skipped: 0, errors: module.errors().length };
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        counts[state === 'passed' || state === 'failed' ? state : 'skipped'] += 1;
      }
      for (const suite of module.children.allSuites()) counts.errors += suite.errors().length;
      this.#modules.set(`${module.project.name}\0${module.moduleId}`, counts);
    }
    const { passed, failed, skipped, errors } = this.outcome();
    const outside = errors === 0 ? '' : `; ${errors} errors outside tests`;
    process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped${outside}\n`);
  }

  outcome(): Outcome {
    const total: Outcome = { passed: 0, failed: 0, skipped: 0, errors: this.#unhandled.length, crashed: [] };
    for (const counts of this.#modules.values()) {
      total.passed += counts.passed;
      total.failed += counts.failed;
      total.skipped += counts.skipped;
      total.errors += counts.errors;
    }
    total.crashed = [...new Set(this.#unhandled.flatMap((error) => crashedFiles(error)?.files ?? []))];
    return total;
  }
}
