/**
 * Where a hot route's time goes: runs the service (PostgreSQL + Redis, like `npm run bench`) under `node --cpu-prof`,
 * drives each route with wrk at 50 connections for BENCH_SECONDS (default 10), and groups the profile's samples by
 * purpose: auth, database, Redis, logging, HTTP framework and validation, metrics, JSON, Node's HTTP and sockets,
 * garbage collection, the rest. One profile per route; each row is the share of the process's busy time.
 *
 *   npm run bench:profile                       # GET /chatroom, GET /user/me, sends
 *   BENCH_ROUTES=me npm run bench:profile       # one of: list, me, send
 *   BENCH_KEEP_PROFILES=1 …                     # keeps the .cpuprofile files (open them in Chrome's DevTools)
 *   BENCH_CHECKOUT=<dir> …                      # profiles the service of another checkout (a worktree of an older commit)
 *   BENCH_PROF_INTERVAL=100 …                   # samples every 100 µs instead of every 1,000
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runWrk, startBenchService } from './service.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const routes = (process.env.BENCH_ROUTES ?? 'list,me,send').split(',');
const ROOT = new URL('../', import.meta.url).pathname;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  /** µs */
  startTime: number;
  endTime: number;
}

/** The purpose of a frame, from its script (a native frame takes its caller's). */
const PURPOSES: [string, RegExp][] = [
  [
    'auth (JWT, revocation)',
    /jsonwebtoken|\/jws\/|\/jwa\/|adapters\/auth\/|authenticate\.ts|auth-middleware|cached-user|user-invalidations|node:internal\/crypto/,
  ],
  [
    'database (MikroORM, pg)',
    /@mikro-orm|\/pg\/|pg-protocol|pg-pool|kysely|persistence\/postgres|\/pg-types\//,
  ],
  [
    'Redis (ioredis, BullMQ)',
    /ioredis|redis-parser|@ioredis|adapters\/cache\/|bullmq|adapters\/queue\/|adapters\/streams\//,
  ],
  ['logging (pino)', /pino|sonic-boom|thread-stream|atomic-sleep/],
  ['metrics (prom-client)', /prom-client|adapters\/metrics\//],
  ['HTTP framework, middleware, validation (hono, zod)', /\/hono\/|@hono\/|\/zod\/|adapters\/http\//],
  [
    'Node HTTP and sockets',
    /^node:(_http|http|net|stream|internal\/(streams|http|net|stream_base|js_stream|deps\/undici))/,
  ],
  ['application and domain', /src\/(application|domain)\//],
  [
    'promises, timers, events',
    /^node:(internal\/(process\/task_queues|timers|async_context_frame|async_hooks)|timers|events)/,
  ],
  [
    'start-up (module loading)',
    /^node:internal\/modules|^wasm:|^node:internal\/deps\/(amaro|cjs-module-lexer)/,
  ],
];

function purposeOf(url: string): string | null {
  if (!url) return null;
  for (const [purpose, pattern] of PURPOSES) if (pattern.test(url)) return purpose;
  return 'other';
}

/** Per purpose: its samples and its share of the busy ones (idle left out). */
function breakdown(profile: CpuProfile): [string, number, number][] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const purpose = new Map<number, string>();
  const visit = (node: ProfileNode, inherited: string) => {
    const name = node.callFrame.functionName;
    const { url } = node.callFrame;
    // Node's own code (sockets, streams, buffers) works for whoever called it: a socket write made by ioredis is
    // Redis time. Only what the event loop runs on its own (an incoming request, a timer) is Node's.
    const library =
      inherited !== 'other' && !inherited.startsWith('Node') && !inherited.startsWith('promises');
    let own =
      url.startsWith('node:') && library && !url.includes('crypto')
        ? inherited
        : (purposeOf(url) ?? inherited);
    if (name === '(garbage collector)') own = 'garbage collection';
    if (name === '(program)' || name === '(idle)') own = name;
    if (!node.callFrame.url && /^(stringify|parse)$/.test(name)) own = `JSON (${inherited})`;
    purpose.set(node.id, own);
    for (const child of node.children ?? []) visit(byId.get(child)!, own);
  };
  visit(profile.nodes[0]!, 'other');
  const counts = new Map<string, number>();
  for (const sample of profile.samples) {
    const p = purpose.get(sample) ?? 'other';
    counts.set(p, (counts.get(p) ?? 0) + 1);
  }
  counts.delete('(idle)');
  const busy = [...counts.values()].reduce((a, b) => a + b, 0);
  return [...counts.entries()]
    .map(([p, n]) => [p, n, n / busy] as [string, number, number])
    .sort((a, b) => b[1] - a[1]);
}

async function profileRoute(route: string): Promise<void> {
  const profileDir = mkdtempSync(join(tmpdir(), 'bench-profile-'));
  const service = await startBenchService({
    name: `profile_${route}`,
    cwd: process.env.BENCH_CHECKOUT ?? ROOT,
    mode: 'postgres',
    nodeArgs: [
      '--cpu-prof',
      ...(process.env.BENCH_PROF_INTERVAL ? [`--cpu-prof-interval=${process.env.BENCH_PROF_INTERVAL}`] : []),
      `--cpu-prof-dir=${profileDir}`,
    ],
    // The sources, not the bundle npm start runs: the samples are grouped by the file they fall in.
    env: { SERVICE_BUNDLE: 'off' },
  });
  try {
    const send = route === 'send';
    const script = join(profileDir, 'request.lua');
    writeFileSync(
      script,
      [
        `wrk.method = "${send ? 'POST' : 'GET'}"`,
        send ? `wrk.body = '{"content":"hello"}'` : '',
        `wrk.headers["Authorization"] = "Bearer ${service.token}"`,
        `wrk.headers["Content-Type"] = "application/json"`,
      ].join('\n'),
    );
    const path = send ? `/chatroom/${service.roomIds[0]}/message` : route === 'me' ? '/user/me' : '/chatroom';
    const connections = send ? 32 : 50;
    const out = await runWrk([
      '-t1',
      `-c${connections}`,
      `-d${seconds}s`,
      '-s',
      script,
      `${service.base}${path}`,
    ]);
    const rps = /Requests\/sec:\s+([\d.]+)/.exec(out)?.[1];
    const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
    await service.stop();
    const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
    if (!file) throw new Error('no profile written');
    const profile = JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as CpuProfile;
    console.log(`\n${send ? 'POST /chatroom/:id/message' : `GET ${path}`} (${rps} req/s under the profiler)`);
    // µs per request: the profile's sampling interval times the samples, over the requests of the load (start-up left out).
    const interval = (profile.endTime - profile.startTime) / profile.samples.length;
    const rows = breakdown(profile);
    const load = rows.filter(([purpose]) => !purpose.startsWith('start-up'));
    const perRequest = (samples: number) =>
      ((samples * interval) / Math.max(1, requests)).toFixed(1).padStart(6);
    console.log(`  ${perRequest(load.reduce((sum, [, samples]) => sum + samples, 0))} µs per request in all`);
    for (const [purpose, samples, share] of rows) {
      if (share >= 0.005) {
        console.log(
          `  ${(share * 100).toFixed(1).padStart(5)} %  ${perRequest(samples)} µs/request  ${purpose}`,
        );
      }
    }
    if (process.env.BENCH_KEEP_PROFILES) console.log(`  profile: ${join(profileDir, file)}`);
  } finally {
    await service.stop();
    if (!process.env.BENCH_KEEP_PROFILES) rmSync(profileDir, { recursive: true, force: true });
  }
}

for (const route of routes) await profileRoute(route);
