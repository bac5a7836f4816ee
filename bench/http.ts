/**
 * HTTP benchmark: starts the service as a child process (configured by the environment, like `npm start`),
 * then drives a few scenarios with keep-alive connections from this process and prints req/s and latency.
 *   node bench/http.ts                      # offline defaults (embedded database)
 *   DATABASE_URL=… REDIS_URL=… node bench/http.ts
 * BENCH_SECONDS (default 5) and BENCH_CONNECTIONS (default 32) tune the run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitReady(base: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      const res = await fetch(`${base}/readyz`);
      if (res.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('service did not become ready');
}

interface Scenario {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  headers?: Record<string, string>;
  expect: number;
}

async function run(base: string, dispatcher: Agent, scenario: Scenario) {
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const started = performance.now();
      const res = await request(`${base}${scenario.path}`, {
        method: scenario.method,
        headers: scenario.headers,
        body: scenario.body,
        dispatcher,
      });
      await res.body.dump();
      if (res.statusCode !== scenario.expect) errors += 1;
      latencies.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!.toFixed(1);
  return {
    scenario: scenario.name,
    'req/s': Math.round(latencies.length / elapsed),
    'p50 ms': pct(0.5),
    'p99 ms': pct(0.99),
    errors,
  };
}

async function main(): Promise<void> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-data-'));
  const child: ChildProcess = spawn(process.execPath, ['src/bootstrap/server.ts'], {
    env: {
      ...process.env,
      PORT: String(port),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
      BASIC_DAILY_LIMIT: '100000000',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    await waitReady(base);
    const json = { 'content-type': 'application/json' };
    const mobile = `+1555${String(Date.now()).slice(-7)}`;
    await fetch(`${base}/auth/signup`, { method: 'POST', headers: json, body: JSON.stringify({ mobile }) });
    const sent = (await (
      await fetch(`${base}/auth/send-otp`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ mobile }),
      })
    ).json()) as { otp: string };
    const session = (await (
      await fetch(`${base}/auth/verify-otp`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ mobile, otp: sent.otp }),
      })
    ).json()) as { token: string };
    const auth = { authorization: `Bearer ${session.token}` };
    const room = (await (
      await fetch(`${base}/chatroom`, {
        method: 'POST',
        headers: { ...json, ...auth },
        body: '{"title":"bench"}',
      })
    ).json()) as { id: string };

    const dispatcher = new Agent({ connections, pipelining: 1 });
    const scenarios: Scenario[] = [
      { name: 'GET /healthz', method: 'GET', path: '/healthz', expect: 200 },
      {
        name: 'GET /user/me (JWT + user + usage)',
        method: 'GET',
        path: '/user/me',
        headers: auth,
        expect: 200,
      },
      { name: 'GET /chatroom (cache HIT)', method: 'GET', path: '/chatroom', headers: auth, expect: 200 },
      {
        name: 'POST message (offline model, waits for reply)',
        method: 'POST',
        path: `/chatroom/${room.id}/message`,
        headers: { ...json, ...auth },
        body: '{"content":"hello"}',
        expect: 201,
      },
    ];
    const results = [];
    for (const scenario of scenarios) results.push(await run(base, dispatcher, scenario));
    console.log(`\n${seconds}s per scenario, ${connections} connections, node ${process.version}`);
    console.table(results);
    await dispatcher.close();
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
