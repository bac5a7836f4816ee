/**
 * Preloaded into the API process by bench/streams.ts (with --expose-gc), nothing else: on SIGUSR2 it runs a full
 * garbage collection and prints the memory left, so that the bench tells retained memory from garbage not yet
 * collected.
 */
process.on('SIGUSR2', () => {
  gc?.();
  const { rss, heapUsed, external } = process.memoryUsage();
  process.stderr.write(`bench-gc rss=${rss} heapUsed=${heapUsed} external=${external}\n`);
});
