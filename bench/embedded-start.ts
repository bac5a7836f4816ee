/**
 * The embedded mode's start-up: spawn to GET /readyz answering, on an empty DATA_DIR (first start) and again on
 * the same directory (restart), `runs` times each.   node bench/embedded-start.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, ServiceProcess } from '#test/support/server-process.ts';

async function timedStart(dataDir: string): Promise<number> {
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
    DATABASE_URL: '',
    REDIS_URL: '',
  };
  const service = new ServiceProcess(env, await freePort());
  try {
    return await service.started(true, 120_000);
  } finally {
    await service.stop('SIGTERM');
  }
}

export async function measureEmbeddedStart(runs = 3): Promise<{ firstMs: number[]; restartMs: number[] }> {
  const firstMs: number[] = [];
  const restartMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const dataDir = mkdtempSync(join(tmpdir(), 'bench-embedded-'));
    try {
      firstMs.push(await timedStart(dataDir));
      restartMs.push(await timedStart(dataDir));
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  return { firstMs, restartMs };
}

if (import.meta.main) {
  const { firstMs, restartMs } = await measureEmbeddedStart();
  console.log(`first start: ${firstMs.join(', ')} ms; restart: ${restartMs.join(', ')} ms`);
}
