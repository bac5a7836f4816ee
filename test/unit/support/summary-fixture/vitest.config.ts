import { defineConfig } from 'vitest/config';

/** A run of the fixture suites with only the summary reporter (see ../summary-reporter.test.ts). */
export default defineConfig({
  test: {
    root: new URL('.', import.meta.url).pathname,
    include: ['*.fixture.ts'],
    reporters: [new URL('../../../support/summary-reporter.ts', import.meta.url).pathname],
  },
});
