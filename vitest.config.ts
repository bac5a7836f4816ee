import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 60_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'all', include: ['test/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'http-postgres',
          include: ['test/http/**/*.test.ts'],
          env: { TEST_APP_DATABASE: 'postgres' },
        },
      },
    ],
  },
});
