import { existsSync } from 'node:fs';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The HTTP suites run a second time on PostgreSQL when one can be had: TEST_DATABASE_URL (CI sets it, and with
 * CI=true a missing database fails the run), or Docker for testcontainers. Otherwise that pass is still
 * collected but runs nothing (a test name no test has), so its tests are reported, and counted, as skipped.
 */
const postgresAvailable =
  Boolean(process.env.TEST_DATABASE_URL) || process.env.CI === 'true' || existsSync('/var/run/docker.sock');
if (!postgresAvailable)
  console.warn('skipping the http-postgres project: no TEST_DATABASE_URL and no Docker');

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
      {
        extends: true,
        test: {
          name: 'http-postgres',
          include: ['test/http/**/*.test.ts'],
          env: { TEST_APP_DATABASE: 'postgres' },
          ...(postgresAvailable ? {} : { testNamePattern: '^http-postgres needs PostgreSQL$' }),
        },
      },
    ],
  },
});
