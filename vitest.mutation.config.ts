import { defineConfig } from 'vitest/config';

/** The suites StrykerJS runs against each mutant: unit and in-memory HTTP only, no real services. */
export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
    include: ['test/unit/**/*.test.ts', 'test/http/**/*.test.ts'],
  },
});
