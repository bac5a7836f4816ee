import { existsSync } from 'node:fs';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The HTTP suites run a second time on PostgreSQL when one can be had: TEST_DATABASE_URL (CI sets it, and with
 * CI=true a missing database fails the run), or Docker for testcontainers. Otherwise that pass is left out.
 */
const postgresAvailable =
  Boolean(process.env.TEST_DATABASE_URL) || process.env.CI === 'true' || existsSync('/var/run/docker.sock');
if (!postgresAvailable) console.warn('http-postgres project left out: no TEST_DATABASE_URL and no Docker');

export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 60_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'all',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/browser/**'],
        },
      },
      // Headless Chromium against the real service (test/support/browser.ts): skipped without Chromium, except in CI.
      {
        extends: true,
        test: { name: 'browser', include: ['test/browser/**/*.test.ts'], testTimeout: 60_000 },
      },
      ...(postgresAvailable
        ? [
            {
              extends: true,
              test: {
                name: 'http-postgres',
                include: ['test/http/**/*.test.ts'],
                env: { TEST_APP_DATABASE: 'postgres' },
              },
            },
          ]
        : []),
    ],
  },
});
