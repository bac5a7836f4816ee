/**
 * Start-up time of the embedded mode (nothing configured: PGlite under DATA_DIR, no Redis, offline model and
 * payments), from spawn to GET /readyz answering 200:
 *   node bench/embedded-start.ts                        # BENCH_RUNS (3) runs
 *   BENCH_ROOT=/path/to/other/checkout node bench/embedded-start.ts   # that checkout's service (a baseline)
 * Each run spawns what `npm start` runs (`node src/bootstrap/start.ts`: the bundle, built beforehand; or
 * server.ts in a checkout from before it) on a fresh empty DATA_DIR (the first start), stops it with SIGTERM,
 * starts it again on the same DATA_DIR (the restart), stops it and removes the directory. It runs in a scratch
 * directory (no .env read) with DATABASE_URL and REDIS_URL removed from the environment.
 * One line per measure: every run, the median, min and max.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, ServiceProcess } from '#test/support/server-process.ts';
import { entryOfStart } from './service.ts';

const POLL_MS = 10;
const ROOT = resolve(process.env.BENCH_ROOT ?? new URL('..', import.meta.url).pathname);
const SERVER = join(ROOT, entryOfStart(ROOT));
const START_TIMEOUT_MS = 60_000;

function environment(dataDir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  return {
    ...env,
    // As `npm start` sets it: the compile cache on from the first module (the .ts entry included), not from main.ts.
    NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? join(tmpdir(), 'node-compile-cache'),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    JWT_SECRET: 'bench-embedded-start-'.padEnd(48, 'x'),
  };
}

/** Spawns the service and times spawn → GET /readyz 200, polling every POLL_MS; then stops it with SIGTERM. */
async function timedStart(dataDir: string, cwd: string): Promise<number> {
  const port = await freePort();
  const spawnedAt = performance.now();
  const service = new ServiceProcess(environment(dataDir), port, {
    command: [process.execPath, SERVER],
    cwd,
    cleanEnv: true,
  });
  try {
    const deadline = spawnedAt + START_TIMEOUT_MS;
    for (;;) {
      if (service.child.exitCode !== null)
        throw new Error(`exited with ${service.child.exitCode}:\n${service.output}`);
      if (performance.now() > deadline) throw new Error(`not ready in time:\n${service.output}`);
      const ready = await fetch(`${service.baseUrl}/readyz`).then(
        async (response) => {
          await response.body?.cancel();
          return response.ok;
        },
        () => false,
      );
      if (ready) return performance.now() - spawnedAt;
      await sleep(POLL_MS);
    }
  } finally {
    const code = await service.stop('SIGTERM');
    if (code !== 0) console.error(`exit code ${code}:\n${service.output}`);
  }
}

/** `runs` times: a first start on an empty DATA_DIR, then a restart on the same one. */
export async function measureEmbeddedStart(runs = 3): Promise<{ firstMs: number[]; restartMs: number[] }> {
  const firstMs: number[] = [];
  const restartMs: number[] = [];
  // The bundle npm start runs (where the checkout has one) is built first: a build is not a start.
  if (existsSync(join(ROOT, 'src/bootstrap/bundle.ts')))
    execFileSync(process.execPath, [join(ROOT, 'src/bootstrap/bundle.ts')], { cwd: ROOT, stdio: 'ignore' });
  for (let run = 0; run < runs; run++) {
    const scratch = await mkdtemp(join(tmpdir(), 'bench-embedded-start-'));
    try {
      const dataDir = join(scratch, 'data');
      firstMs.push(await timedStart(dataDir, scratch));
      restartMs.push(await timedStart(dataDir, scratch));
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }
  return { firstMs, restartMs };
}

function summary(name: string, values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  const ms = (value: number) => `${Math.round(value)} ms`;
  return `${name}: ${values.map(ms).join(', ')} | median ${ms(median)} | min ${ms(sorted[0]!)} max ${ms(sorted.at(-1)!)}`;
}

if (import.meta.main) {
  const { firstMs, restartMs } = await measureEmbeddedStart(Number(process.env.BENCH_RUNS ?? 3));
  console.log(summary('first start (empty DATA_DIR)', firstMs));
  console.log(summary('restart (same DATA_DIR)     ', restartMs));
}
