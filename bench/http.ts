/**
 * HTTP benchmark: the service against references of the ideal shape, measured in one run by one load generator.
 *
 *   npm run bench                                   # PostgreSQL + Redis (DATABASE_URL / REDIS_URL, else the local ones)
 *   BENCH_MODE=embedded npm run bench               # the service with nothing configured (PGlite, in-process queue)
 *   BENCH_BASELINE=<git ref> npm run bench          # also the service as of that commit, in the same run
 *   BENCH_ONLY=sends, BENCH_SKIP_START=1            # the send scenarios alone; no embedded start timing
 *   BENCH_ONLY=reads                                # the read scenarios alone (no sends, no embedded start)
 *   BENCH_HISTORY=200                               # messages each chatroom holds before the sends (then ANALYZE)
 *
 * Targets, each its own process: the service (ROLE=all, offline model answering at once), optionally the baseline,
 * `ideal` (bench/reference-server.ts: Hono + jsonwebtoken with a KeyObject + one Redis GET) and `hello` (node:http).
 * Scenarios, each driven by wrk (when installed, else undici from this process) in BENCH_ROUNDS rounds with the
 * targets interleaved inside each round, BENCH_SECONDS each:
 *   - cached GET /chatroom and GET /user/me at 50 connections (service, baseline, ideal, hello);
 *   - sends that wait for their reply at 32 connections (service, baseline), after one unrecorded warm-up run each;
 *     after each run, the service's database is vacuumed (see vacuum in bench/service.ts);
 *   - a lone send: BENCH_LONE_SENDS sends one after another on one connection (service, baseline), next to the same
 *     client's round trip to `hello` (what the client and the loopback add, not the service: its p50 is taken off
 *     the send's p50 and p99 in the goal table);
 *   - the RSS of each service process, sampled throughout (its peak, and the number of sends it served);
 *   - the embedded mode's first start and restart, spawn to ready (bench/embedded-start.ts).
 * Prints one line per scenario and per round, then the goal table of issue 11 (its ratios: the median of the
 * per-round ratios, each round's service against the reference measured next to it).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Agent, request } from 'undici';
import { freePort } from '#test/support/server-process.ts';
import { measureEmbeddedStart } from './embedded-start.ts';
import { cpuMs, rssMb } from './process-stats.ts';
import { JWT_SECRET, redisUrl, runWrk, startBenchService, vacuum } from './service.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const loneSends = Number(process.env.BENCH_LONE_SENDS ?? 300);
const mode = process.env.BENCH_MODE === 'embedded' ? 'embedded' : 'postgres';
const baselineRef = process.env.BENCH_BASELINE;
const skipStart = process.env.BENCH_SKIP_START === '1';
/** BENCH_ONLY=sends: the send scenarios alone (no reads, no embedded start), to try a change to the send path. */
const sendsOnly = process.env.BENCH_ONLY === 'sends';
/** BENCH_ONLY=reads: the read scenarios alone, to try a change to the cached reads. */
const readsOnly = process.env.BENCH_ONLY === 'reads';
const ROOT = new URL('../', import.meta.url).pathname;
const runId = randomBytes(4).toString('hex');
const READ_CONNECTIONS = 50;
const SEND_CONNECTIONS = 32;
const SEND_ROOMS = 8;
/**
 * BENCH_SEND_USERS: the users the sends come from (each with SEND_ROOMS chatrooms), taken in turn. One user's sends
 * queue on that user's quota row (the count is exact, so each admit holds its row until it commits).
 */
const SEND_USERS = Number(process.env.BENCH_SEND_USERS ?? 1);
const FROM_USERS = SEND_USERS === 1 ? 'one user' : `${SEND_USERS} users`;
const SENDS_SCENARIO = `sends (wait for reply), 32 connections, ${FROM_USERS}`;
/**
 * Messages each chatroom holds before the run (then ANALYZE): sends answer conversations with a history, on a
 * database whose statistics describe its tables, as on a database in use. On empty, never analyzed tables the
 * prepared statements' plans were a lottery that stayed for the run (PostgreSQL's CPU per send tripled within a
 * minute in some runs and not in others).
 */
const SEND_HISTORY = Number(process.env.BENCH_HISTORY ?? 200);

const hasWrk = (() => {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    // wrk --version exits 1 after printing its version.
    return (error as { status?: number }).status === 1;
  }
})();

interface Load {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
}

interface Target {
  name: string;
  base: string;
  /** The process to sample RSS from (services only). */
  pid?: number;
  peakRssMb?: number;
  sendsServed?: number;
  token?: string;
  roomIds?: string[];
  /** The users sends come from, with their chatrooms (services). */
  users?: { token: string; roomIds: string[] }[];
  /** Its own database (services on PostgreSQL). */
  databaseUrl?: string | undefined;
  stop(): Promise<void>;
}

/** One scenario's requests (the paths taken in turn) and how many connections send them. */
interface LoadOptions {
  paths: string[];
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** Headers of each path's requests, beside `headers` (same order as `paths`). */
  headersByPath?: Record<string, string>[];
  body?: string;
  connections: number;
}

/** A wrk run: method, path(s), headers and body, at `connections` for `seconds`. */
async function wrk(base: string, options: LoadOptions): Promise<Load> {
  if (!hasWrk) return undiciLoad(base, options);
  const dir = mkdtempSync(join(tmpdir(), 'bench-wrk-'));
  const script = join(dir, 'request.lua');
  const lua = [
    `wrk.method = "${options.method}"`,
    ...(options.body ? [`wrk.body = ${JSON.stringify(options.body)}`] : []),
    ...Object.entries(options.headers).map(([k, v]) => `wrk.headers["${k}"] = "${v}"`),
    `local paths = { ${options.paths.map((p) => JSON.stringify(p)).join(', ')} }`,
    // wrk.format's headers replace wrk.headers: each path's table holds the common ones too.
    `local headers = { ${options.paths.map((_, k) => luaTable({ ...options.headers, ...options.headersByPath?.[k] })).join(', ')} }`,
    'local i = 0',
    'request = function() i = i + 1; local k = (i % #paths) + 1; return wrk.format(nil, paths[k], headers[k]) end',
  ].join('\n');
  writeFileSync(script, lua);
  const output = await runWrk([
    '-t1',
    `-c${options.connections}`,
    `-d${seconds}s`,
    '--latency',
    '-s',
    script,
    base,
  ]);
  rmSync(dir, { recursive: true, force: true });
  const ms = (label: string) => {
    const match = new RegExp(`^\\s+${label}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(output);
    if (!match) return Number.NaN;
    const factor = { us: 0.001, ms: 1, s: 1000 }[match[2] as 'us' | 'ms' | 's'];
    return Number(match[1]) * factor;
  };
  const requests = Number(/(\d+) requests in/.exec(output)?.[1] ?? 0);
  const errors =
    Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0) +
    [...output.matchAll(/(?:connect|read|write|timeout) (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? 0),
    p50: ms('50'),
    p99: ms('99'),
    requests,
    errors,
  };
}

/** Every chatroom of every sending user in turn, each request with its owner's token. */
function sendRequests(target: Target): { paths: string[]; headersByPath: Record<string, string>[] } {
  const rooms = (target.users ?? []).flatMap(({ token, roomIds }) =>
    roomIds.map((id) => ({ path: `/chatroom/${id}/message`, token })),
  );
  return {
    paths: rooms.map((room) => room.path),
    headersByPath: rooms.map((room) => ({ Authorization: `Bearer ${room.token}` })),
  };
}

/** A Lua table literal of string keys and values. */
function luaTable(entries: Record<string, string>): string {
  return `{ ${Object.entries(entries)
    .map(([k, v]) => `[${JSON.stringify(k)}] = ${JSON.stringify(v)}`)
    .join(', ')} }`;
}

/** The same load from this process (when wrk is missing): slower, so only its ratios mean anything. */
async function undiciLoad(base: string, options: LoadOptions): Promise<Load> {
  const dispatcher = new Agent({ connections: options.connections });
  const latencies: number[] = [];
  let errors = 0;
  let i = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.connections }, async () => {
      while (performance.now() < deadline) {
        const sent = performance.now();
        const k = i++ % options.paths.length;
        const path = options.paths[k] ?? '/';
        const headers = { ...options.headers, ...options.headersByPath?.[k] };
        const res = await request(`${base}${path}`, { ...options, headers, dispatcher });
        await res.body.dump();
        if (res.statusCode >= 400) errors += 1;
        latencies.push(performance.now() - sent);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  await dispatcher.close();
  return {
    rps: latencies.length / elapsed,
    p50: pct(latencies, 50),
    p99: pct(latencies, 99),
    requests: latencies.length,
    errors,
  };
}

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function median(values: number[]): number {
  return pct(values, 50);
}

const fmt = (n: number, digits = 0) =>
  Number.isNaN(n)
    ? '–'
    : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function startService(name: string, cwd: string): Promise<Target> {
  const service = await startBenchService({
    name,
    cwd,
    mode,
    rooms: SEND_ROOMS,
    users: SEND_USERS,
    history: SEND_HISTORY,
  });
  return { ...service, peakRssMb: 0, sendsServed: 0 };
}

async function startReference(kind: 'ideal' | 'hello', keyPrefix: string): Promise<Target> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['bench/reference-server.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      REFERENCE: kind,
      JWT_SECRET,
      REDIS_URL: redisUrl,
      REFERENCE_KEY_PREFIX: keyPrefix,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${kind} exited with ${code}`)));
  });
  return {
    name: kind,
    base: `http://127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

/** A git worktree of `ref` sharing this checkout's node_modules; removed by the returned function. */
function baselineCheckout(ref: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'bench-baseline-'));
  rmSync(dir, { recursive: true });
  execFileSync('git', ['worktree', 'add', '--detach', dir, ref], { cwd: ROOT, stdio: 'ignore' });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return {
    dir,
    remove: () => execFileSync('git', ['worktree', 'remove', '--force', dir], { cwd: ROOT, stdio: 'ignore' }),
  };
}

/** The user's id, read from the token's payload (the ideal shape keys its entry by it). */
function subjectOf(token: string): string {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()).sub as string;
}

async function loneSendLatency(target: Target): Promise<{ p50: number; p99: number }> {
  return oneByOne(`${target.base}/chatroom/${target.roomIds?.[0]}/message`, target.token ?? '', 201);
}

/**
 * BENCH_LONE_SENDS + 30 POSTs (the first 30 warm up) one after another on one connection; their latency seen by this
 * client (undici), which includes the client's own work and the loopback: `hello` measures that part alone.
 */
async function oneByOne(url: string, token: string, status: number): Promise<{ p50: number; p99: number }> {
  const dispatcher = new Agent({ connections: 1 });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const times: number[] = [];
  for (let i = 0; i < loneSends + 30; i++) {
    const started = performance.now();
    const res = await request(url, { method: 'POST', headers, body: '{"content":"hello"}', dispatcher });
    await res.body.dump();
    if (res.statusCode !== status) throw new Error(`a lone POST to ${url} answered ${res.statusCode}`);
    if (i >= 30) times.push(performance.now() - started);
  }
  await dispatcher.close();
  return { p50: pct(times, 50), p99: pct(times, 99) };
}

async function main(): Promise<void> {
  console.log(
    `bench: mode ${mode}, ${rounds} rounds × ${seconds} s per target, load by ${hasWrk ? 'wrk -t1' : 'undici (wrk not installed)'}, node ${process.version}`,
  );
  const redis = new Redis(redisUrl);
  const refPrefix = `bench:${runId}:reference:`;
  const baseline = baselineRef ? baselineCheckout(baselineRef) : null;
  const targets: Target[] = [];
  let sampling: NodeJS.Timeout | undefined;
  try {
    const services = [await startService('service', ROOT)];
    if (baseline) services.push(await startService('baseline', baseline.dir));
    targets.push(...services);
    const ideal = await startReference('ideal', refPrefix);
    const hello = await startReference('hello', refPrefix);
    targets.push(ideal, hello);
    sampling = setInterval(() => {
      for (const service of services) {
        try {
          service.peakRssMb = Math.max(service.peakRssMb ?? 0, rssMb(service.pid ?? 0));
        } catch {}
      }
    }, 250);

    // The ideal shape answers each scenario with the service's own body for the same user.
    const [service] = services as [Target];
    const listed = await request(`${service.base}/chatroom`, {
      headers: { authorization: `Bearer ${service.token}` },
    });
    if (listed.statusCode !== 200) throw new Error(`GET /chatroom answered ${listed.statusCode}`);
    await redis.set(`${refPrefix}${subjectOf(service.token ?? '')}`, await listed.body.text());

    const summary: string[] = [];
    const sendCpu = new Map<string, string[]>();
    const results = new Map<string, Map<string, Load[]>>();
    const record = (scenario: string, target: string, load: Load) => {
      const byTarget = results.get(scenario) ?? new Map<string, Load[]>();
      byTarget.set(target, [...(byTarget.get(target) ?? []), load]);
      results.set(scenario, byTarget);
    };
    const readScenarios = sendsOnly
      ? []
      : [
          { name: 'cached GET /chatroom', path: '/chatroom' },
          { name: 'GET /user/me', path: '/user/me' },
        ];
    for (const scenario of readScenarios) {
      for (const target of targets) {
        // Warm-up: the JIT, the pools, the cache entry.
        await wrkFor(target, scenario.path, 1, target.token ?? service.token ?? '');
      }
      for (let round = 1; round <= rounds; round++) {
        const order = round % 2 === 1 ? targets : [...targets].reverse();
        for (const target of order) {
          const load = await wrkFor(
            target,
            scenario.path,
            READ_CONNECTIONS,
            target.token ?? service.token ?? '',
          );
          // An error answer is cheaper than the read: a run with errors would measure the wrong thing.
          if (load.errors > 0)
            throw new Error(`${target.name} answered ${load.errors} errors on ${scenario.path}`);
          record(scenario.name, target.name, load);
          console.log(`  ${scenario.name} round ${round} ${target.name}: ${line(load)}`);
        }
      }
      summary.push(summarize(scenario.name, results.get(scenario.name)!, services, ['ideal', 'hello']));
    }

    const sendLoad = async (target: Target): Promise<Load> => {
      const load = await wrk(target.base, {
        method: 'POST',
        ...sendRequests(target),
        headers: { 'Content-Type': 'application/json' },
        body: '{"content":"hello"}',
        connections: SEND_CONNECTIONS,
      });
      target.sendsServed = (target.sendsServed ?? 0) + load.requests;
      if (target.databaseUrl) await vacuum(target.databaseUrl);
      return load;
    };
    // Warm-up, as for the reads: the JIT, the pools, the prepared statements (not recorded).
    for (const target of readsOnly ? [] : services) await sendLoad(target);
    for (let round = 1; round <= rounds && !readsOnly; round++) {
      const order = round % 2 === 1 ? services : [...services].reverse();
      for (const target of order) {
        const before = cpuOf(target.pid ?? 0);
        const load = await sendLoad(target);
        record(SENDS_SCENARIO, target.name, load);
        const after = cpuOf(target.pid ?? 0);
        const per = (ms: number) => ((ms / Math.max(1, load.requests)) * 1000).toFixed(0);
        const cpu = `CPU per send: service ${per(after.service - before.service)} µs, PostgreSQL ${per(cpuBetween(before.postgres, after.postgres))} µs, Redis ${per(cpuBetween(before.redis, after.redis))} µs`;
        sendCpu.set(target.name, [...(sendCpu.get(target.name) ?? []), cpu]);
        console.log(`  sends round ${round} ${target.name}: ${line(load)}; ${cpu}`);
      }
    }
    for (const [name, cpus] of sendCpu) summary.push(`sends, ${name}, last round: ${cpus.at(-1)}`);
    const sendRounds = results.get(SENDS_SCENARIO);
    if (sendRounds) summary.push(summarize(SENDS_SCENARIO, sendRounds, services, []));

    const lone = new Map<string, { p50: number; p99: number }>();
    if (!readsOnly) {
      const roundTrip = await oneByOne(`${hello.base}/`, '', 200);
      lone.set('hello', roundTrip);
      summary.push(
        `lone POST to hello, one connection (${loneSends}): p50 ${fmt(roundTrip.p50, 2)} ms, p99 ${fmt(roundTrip.p99, 2)} ms (this client and the loopback)`,
      );
    }
    for (const target of readsOnly ? [] : services) {
      const latency = await loneSendLatency(target);
      lone.set(target.name, latency);
      target.sendsServed = (target.sendsServed ?? 0) + loneSends + 30;
      summary.push(
        `lone send, one connection (${loneSends}), ${target.name}: p50 ${fmt(latency.p50, 2)} ms, p99 ${fmt(latency.p99, 2)} ms`,
      );
    }
    clearInterval(sampling);
    for (const target of services) {
      summary.push(
        `RSS of the ${target.name} process (ROLE=all): peak ${target.peakRssMb} MB over the run, now ${rssMb(target.pid ?? 0)} MB, after ${fmt(target.sendsServed ?? 0)} sends`,
      );
    }

    let starts: { firstMs: number[]; restartMs: number[] } | null = null;
    if (!skipStart && !sendsOnly && !readsOnly) {
      for (const target of targets) await target.stop();
      targets.length = 0;
      const measured = await measureEmbeddedStart(3);
      starts = measured;
      summary.push(
        `embedded first start (empty DATA_DIR), spawn to ready: median ${fmt(median(measured.firstMs))} ms [${measured.firstMs.map((n) => fmt(n)).join(', ')}]`,
        `embedded restart, spawn to ready: median ${fmt(median(measured.restartMs))} ms [${measured.restartMs.map((n) => fmt(n)).join(', ')}]`,
      );
    }

    console.log('\nsummary');
    for (const row of summary) console.log(`  ${row}`);
    console.log(`\ngoal table (issue 11), mode ${mode}`);
    // Each round's service against the reference measured next to it (the machine's speed drifts between rounds):
    // the median of those ratios, and their spread.
    const ratio = (scenario: string, reference: string) => {
      const byTarget = results.get(scenario);
      const ours = byTarget?.get('service') ?? [];
      const theirs = byTarget?.get(reference) ?? [];
      const ratios = ours.map((load, i) => load.rps / (theirs[i]?.rps ?? Number.NaN));
      if (ratios.length === 0) return '–';
      return `${fmt(median(ratios), 2)} × ${reference} (rounds ${fmt(Math.min(...ratios), 2)}–${fmt(Math.max(...ratios), 2)})`;
    };
    const serviceLone = lone.get('service');
    const clientLone = lone.get('hello') ?? { p50: 0, p99: 0 };
    const sendLoads = results.get(SENDS_SCENARIO);
    const sends = median((sendLoads?.get('service') ?? []).map((l) => l.rps));
    const baselineSends = sendLoads?.get('baseline');
    const service0 = services[0]!;
    const rows: [string, string, string][] = [
      ['cached GET /chatroom, 50 connections', ratio('cached GET /chatroom', 'ideal'), '≥ 0.7 × ideal'],
      ['GET /user/me, 50 connections', ratio('GET /user/me', 'ideal'), '≥ 0.5 × ideal'],
      ...(serviceLone && sendLoads
        ? ([
            [
              'lone send, time the service adds (seen by the client, less its usual round trip to hello)',
              // Less hello's p50 for both: the client's own tail is not the service's to take off (a spike of
              // hello's p99 made the difference of the two p99s negative).
              `p50 ${fmt(serviceLone.p50 - clientLone.p50, 1)} ms, p99 ${fmt(serviceLone.p99 - clientLone.p50, 1)} ms (seen: p50 ${fmt(serviceLone.p50, 1)}, p99 ${fmt(serviceLone.p99, 1)})`,
              'p50 < 5 ms, p99 < 25 ms',
            ],
            [
              `sends/s at 32 connections, ${FROM_USERS}`,
              `${fmt(sends)}/s${baselineSends ? `, ${ratio(SENDS_SCENARIO, 'baseline')}` : ''}`,
              '≥ 3 × today',
            ],
          ] as [string, string, string][])
        : []),
      ...(starts
        ? ([
            ['embedded first start', `${fmt(median(starts.firstMs))} ms`, '< 3,000 ms'],
            ['embedded restart', `${fmt(median(starts.restartMs))} ms`, '< 1,500 ms'],
          ] as [string, string, string][])
        : []),
      [
        'RSS of one ROLE=all process',
        `peak ${service0.peakRssMb} MB after ${fmt(service0.sendsServed ?? 0)} sends`,
        '< 200 MB',
      ],
    ];
    for (const [what, now, goal] of rows) console.log(`  | ${what} | ${now} | ${goal} |`);
  } finally {
    clearInterval(sampling);
    for (const target of targets) await target.stop().catch(() => {});
    baseline?.remove();
    const keys = await redis.keys(`bench:${runId}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
}

/**
 * CPU time used so far (ms) by the service process, and per process by PostgreSQL's and by redis-server (Linux
 * /proc), to tell what one send costs each of them: on a machine running nothing else, the differences are the run's.
 */
function cpuOf(pid: number): { service: number; postgres: Map<number, number>; redis: Map<number, number> } {
  const postgres = new Map<number, number>();
  const redis = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (comm.startsWith('postgres')) postgres.set(Number(entry), cpuMs(Number(entry)));
      else if (comm.startsWith('redis-server')) redis.set(Number(entry), cpuMs(Number(entry)));
    } catch {
      // the process ended meanwhile
    }
  }
  return { service: cpuMs(pid), postgres, redis };
}

/** CPU used between two readings by the processes alive at the second (a backend that ended took its time with it). */
function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let used = 0;
  for (const [pid, ms] of after) used += ms - (before.get(pid) ?? 0);
  return used;
}

/**
 * GETs `path` on `target` with `token`: a service's own user's token; the references verify the service's token
 * (same secret, issuer, audience).
 */
function wrkFor(target: Target, path: string, connections: number, token: string): Promise<Load> {
  return wrk(target.base, {
    method: 'GET',
    paths: [path],
    headers: { Authorization: `Bearer ${token}` },
    connections,
  });
}

function line(load: Load): string {
  return `${fmt(load.rps)} req/s, p50 ${fmt(load.p50, 2)} ms, p99 ${fmt(load.p99, 2)} ms${load.errors ? `, ${load.errors} errors` : ''}`;
}

/** One line: each service's median req/s and its ratio to each reference (median of the per-round ratios, with their spread). */
function summarize(
  scenario: string,
  byTarget: Map<string, Load[]>,
  services: Target[],
  references: string[],
): string {
  const parts: string[] = [];
  for (const service of services) {
    const loads = byTarget.get(service.name) ?? [];
    let part = `${service.name} ${fmt(median(loads.map((l) => l.rps)))} req/s (p50 ${fmt(median(loads.map((l) => l.p50)), 2)} ms, p99 ${fmt(median(loads.map((l) => l.p99)), 2)} ms)`;
    for (const reference of references) {
      const refLoads = byTarget.get(reference) ?? [];
      const ratios = loads.map((l, i) => l.rps / (refLoads[i]?.rps ?? Number.NaN));
      part += `, ${fmt(median(ratios), 2)} × ${reference} [${fmt(Math.min(...ratios), 2)}–${fmt(Math.max(...ratios), 2)}]`;
    }
    parts.push(part);
  }
  for (const reference of references) {
    const refLoads = byTarget.get(reference) ?? [];
    parts.push(`${reference} ${fmt(median(refLoads.map((l) => l.rps)))} req/s`);
  }
  return `${scenario}: ${parts.join('; ')}`;
}

await main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
