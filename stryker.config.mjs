// @ts-check
/** Mutation testing of the core (`npm run mutation`): how many deliberate bugs in domain and use cases the tests catch. */
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  // Unit and in-memory HTTP suites only: no real PostgreSQL/Redis per mutant.
  vitest: { configFile: 'vitest.mutation.config.ts' },
  mutate: ['src/domain/**/*.ts', 'src/application/**/*.ts'],
  coverageAnalysis: 'perTest',
  // Deliberately missing: Stryker's TS preprocessor needs the TypeScript JS API, which TypeScript 7 lacks
  // (Node strips the types itself), so no `typescript` checker either.
  tsconfigFile: 'tsconfig.stryker-absent.json',
  checkers: [],
  // Log lines' text is for operators, not a contract (test/mutation/log-message-ignorer.mjs); their fields stay mutated.
  appendPlugins: ['./test/mutation/log-message-ignorer.mjs'],
  ignorers: ['log-message-text'],
  // The machine's cores are shared; a loaded machine must not pass off slow runs as timeouts (mutants "killed").
  concurrency: 2,
  timeoutMS: 30_000,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
};
