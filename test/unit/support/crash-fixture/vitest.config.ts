import { defineConfig } from 'vitest/config';

/** Fixture suites whose worker process dies of a signal (see ../run-tests.test.ts), with the summary reporter. */
export default defineConfig({
  test: {
    root: new URL('.', import.meta.url).pathname,
    include: ['*.fixture.ts'],
    pool: 'forks',
    reporters: [new URL('../../../support/summary-reporter.ts', import.meta.url).pathname],
  },
});
