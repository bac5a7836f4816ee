/**
 * A test file whose worker process died of a signal: V8 aborting on one of its own internal checks (SIGTRAP), or
 * a segmentation fault in the engine (SIGSEGV). JavaScript cannot do that to its process (it throws, or exits with
 * a code), so the test did not fail: the engine under it did. Known with PGlite's WebAssembly started and closed
 * in worker threads: a check in V8's registry of JIT code pages fails (nodejs/node#64500, electric-sql/pglite#1053);
 * seen once in this project's CI, in test/integration/migrations.test.ts.
 */
interface ErrorLike {
  message?: unknown;
  cause?: unknown;
}

const CRASH = /Worker exited unexpectedly with signal (SIG[A-Z]+) .*while running test files? (.+)$/;

/** The files a worker was running when a signal killed it, from vitest's error (or its cause); none otherwise. */
export function crashedFiles(error: unknown): { signal: string; files: string[] } | undefined {
  for (
    let current = error as ErrorLike | undefined;
    current;
    current = current.cause as ErrorLike | undefined
  ) {
    const match = typeof current.message === 'string' ? CRASH.exec(current.message) : null;
    if (match) return { signal: match[1]!, files: match[2]!.split(', ') };
  }
  return undefined;
}
